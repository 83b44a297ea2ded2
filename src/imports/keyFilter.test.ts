import { describe, expect, it } from 'vitest';
import { KeyFilter } from './keyFilter.ts';

describe('key filter', () => {
  it('should never call a key new once it has been added', () => {
    const f = new KeyFilter(16);
    const keys = Array.from({ length: 5000 }, (_, i) => `user${i}@example.com`);
    for (const k of keys) f.testAndAdd(k);
    for (const k of keys) expect(f.testAndAdd(k)).toBe(true);
  });

  it('should call almost every distinct key new when it has room', () => {
    const f = new KeyFilter(26);
    let maybeSeen = 0;
    for (let i = 0; i < 100_000; i++) if (f.testAndAdd(`person.${i}@example.org`)) maybeSeen++;
    expect(maybeSeen).toBeLessThan(10);
  });

  it('should carry every key it holds into a filter that takes over its bits, of the same size only', () => {
    const f = new KeyFilter(16);
    const keys = Array.from({ length: 2000 }, (_, i) => `moved${i}@example.com`);
    for (const k of keys) f.testAndAdd(k);
    const words = structuredClone(f.handOver(), { transfer: [] });
    const g = new KeyFilter(16, words);
    for (const k of keys) expect(g.testAndAdd(k)).toBe(true);
    expect(g.testAndAdd('never-added@example.com')).toBe(false);
    expect(() => new KeyFilter(17, words)).toThrow(RangeError);
  });
});
