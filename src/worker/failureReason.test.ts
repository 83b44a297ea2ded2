import { describe, expect, it } from 'vitest';
import { PermanentFailure } from '../jobs/permanentFailure.ts';
import { isTransient, retryDelayMs, userFacingReason } from './failureReason.ts';

describe('failure reasons', () => {
  it('should call connection losses, deadlocks and serialization failures transient, and nothing else', () => {
    expect(isTransient(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransient(Object.assign(new Error('x'), { code: '40P01' }))).toBe(true);
    expect(isTransient(Object.assign(new Error('x'), { code: '40001' }))).toBe(true);
    expect(isTransient(Object.assign(new Error('x'), { code: '57P01' }))).toBe(true);
    expect(isTransient(Object.assign(new Error('x'), { code: '08006' }))).toBe(true);
    expect(isTransient(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isTransient(Object.assign(new Error('x'), { code: '23505' }))).toBe(false);
    expect(isTransient(new TypeError('undefined is not a function'))).toBe(false);
  });

  it('should give a user our own words, and plain words instead of a driver message', () => {
    expect(userFacingReason(new PermanentFailure('the uploaded file is gone'))).toBe('the uploaded file is gone');
    expect(userFacingReason(Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), { code: 'ECONNREFUSED' }))).not.toMatch(/10\.0\.0\.5/);
    expect(userFacingReason(Object.assign(new Error('relation "x" does not exist'), { code: '42P01', severity: 'ERROR' }))).not.toMatch(/relation/);
  });

  it('should back off exponentially, capped, with jitter between half and all of the step', () => {
    expect(retryDelayMs(1, 1000, 60_000, () => 0)).toBe(500);
    expect(retryDelayMs(1, 1000, 60_000, () => 1)).toBe(1000);
    expect(retryDelayMs(4, 1000, 60_000, () => 1)).toBe(8000);
    expect(retryDelayMs(20, 1000, 60_000, () => 1)).toBe(60_000);
    const spread = new Set(Array.from({ length: 50 }, () => retryDelayMs(3)));
    expect(spread.size).toBeGreaterThan(10);
    for (const d of spread) expect(d).toBeGreaterThanOrEqual(2000);
  });
});
