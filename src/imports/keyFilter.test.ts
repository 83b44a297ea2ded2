import { describe, expect, it } from 'vitest';
import { KeyFilter, keyFilterBitsFor } from './keyFilter.ts';

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

  it('should size a filter by its file: 16 bits per byte, between 8 KB and the configured size', () => {
    expect(keyFilterBitsFor(85_000, 26)).toBe(21); // a 1,000-row file: 256 KB, not 8 MB
    expect(keyFilterBitsFor(84_000_000, 26)).toBe(26); // a 1M-row file: the configured 8 MB
    expect(keyFilterBitsFor(100, 26)).toBe(16);
    expect(keyFilterBitsFor(null, 26)).toBe(26); // size unknown
    expect(keyFilterBitsFor(85_000, 18)).toBe(18); // never more than configured
  });

  it('should keep false positives rare for a small file with its smaller filter', () => {
    // The densest file: 6-byte rows (a@b.c and a newline), so 16 bits per byte gives 96 bits per key.
    const keys = 10_000;
    const f = new KeyFilter(keyFilterBitsFor(keys * 6, 26));
    let maybeSeen = 0;
    for (let i = 0; i < keys; i++) if (f.testAndAdd(`${i}@b.c`)) maybeSeen++;
    expect(maybeSeen).toBeLessThan(5);
  });
});
