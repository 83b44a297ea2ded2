import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.ts';

describe('parseDuration', () => {
  it.each([
    ['45s', 45_000],
    ['90m', 90 * 60_000],
    ['12h', 12 * 3_600_000],
    ['30d', 30 * 86_400_000],
    ['2W', 14 * 86_400_000],
  ])('should read %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['30', 'd', '1.5d', '-1d', '0d', '3 months', ''])('should refuse %j with a message naming the accepted units', (text) => {
    expect(() => parseDuration(text)).toThrow(/s, m, h, d or w|longer than zero/);
  });
});
