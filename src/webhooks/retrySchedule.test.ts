import { describe, expect, it } from 'vitest';
import { nextStep, retryDelayMs } from './retrySchedule.ts';

const DEFAULTS = { webhookRetryBaseMs: 5000, webhookRetryMaxDelayMs: 3_600_000, webhookRetryForSeconds: 86_400 };

describe('retryDelayMs', () => {
  it('doubles from the base, between half and all of the ceiling', () => {
    expect(retryDelayMs(1, DEFAULTS, () => 0)).toBe(2500);
    expect(retryDelayMs(1, DEFAULTS, () => 1)).toBe(5000);
    expect(retryDelayMs(4, DEFAULTS, () => 1)).toBe(40_000);
    expect(retryDelayMs(4, DEFAULTS, () => 0)).toBe(20_000);
  });

  it('never waits longer than the maximum delay', () => {
    expect(retryDelayMs(30, DEFAULTS, () => 1)).toBe(3_600_000);
    expect(retryDelayMs(1000, DEFAULTS, () => 1)).toBe(3_600_000);
  });
});

describe('nextStep', () => {
  const created = new Date('2026-12-01T00:00:00Z');

  it('retries while the retry still falls within the retry period', () => {
    expect(nextStep(1, created, new Date(created.getTime() + 1000), DEFAULTS, () => 1)).toEqual({ retry: true, delayMs: 5000 });
  });

  it('gives up when the next retry would fall after a day', () => {
    const late = new Date(created.getTime() + 86_400_000 - 1000);
    expect(nextStep(25, created, late, DEFAULTS, () => 0)).toEqual({ retry: false });
  });

  it('keeps trying for a day with the defaults: dozens of attempts, none after the day', () => {
    let now = created.getTime();
    let attempts = 1;
    for (;;) {
      const step = nextStep(attempts, created, new Date(now), DEFAULTS, () => 0.5);
      if (!step.retry) break;
      now += step.delayMs;
      attempts++;
    }
    expect(now - created.getTime()).toBeLessThanOrEqual(86_400_000);
    expect(now - created.getTime()).toBeGreaterThan(86_400_000 - 3_600_000);
    expect(attempts).toBeGreaterThan(20);
  });
});
