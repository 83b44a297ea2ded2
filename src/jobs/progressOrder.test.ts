import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from './progressBus.ts';
import { isAhead, laterOf, mayFollow } from './progressOrder.ts';

function state(over: Partial<ProgressEvent>): ProgressEvent {
  const processedRows = over.processedRows ?? 0;
  return {
    jobId: 'j',
    status: 'RUNNING',
    totalRows: null,
    processedRows,
    succeededRows: processedRows,
    failedRows: 0,
    percent: 0,
    rowsPerSecond: null,
    etaSeconds: null,
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...over,
  };
}

describe('mayFollow', () => {
  it('should let anything be the first state a subscriber gets', () => {
    expect(mayFollow(undefined, state({ status: 'QUEUED' }))).toBe(true);
  });

  it('should let a state follow one that is lower or equal in every count', () => {
    expect(mayFollow(state({ processedRows: 500, percent: 5 }), state({ processedRows: 1000, percent: 10 }))).toBe(true);
    expect(mayFollow(state({ processedRows: 500, percent: 5 }), state({ processedRows: 500, percent: 5 }))).toBe(true);
    expect(mayFollow(state({ status: 'QUEUED' }), state({ status: 'RUNNING' }))).toBe(true);
  });

  it('should refuse a state with fewer processed rows, a lower percent, or fewer succeeded or failed rows', () => {
    const last = state({ processedRows: 1000, succeededRows: 990, failedRows: 10, percent: 10 });
    expect(mayFollow(last, state({ processedRows: 500, percent: 10 }))).toBe(false);
    expect(mayFollow(last, state({ processedRows: 1000, succeededRows: 990, failedRows: 10, percent: 9.99 }))).toBe(false);
    expect(mayFollow(last, state({ processedRows: 1000, succeededRows: 1000, failedRows: 0, percent: 10 }))).toBe(false);
  });

  it('should refuse a status that goes back from RUNNING to QUEUED', () => {
    expect(mayFollow(state({ status: 'RUNNING' }), state({ status: 'QUEUED' }))).toBe(false);
  });

  it('should always let a terminal state follow a running one, and nothing follow a terminal one', () => {
    const running = state({ processedRows: 1000, percent: 50 });
    expect(mayFollow(running, state({ status: 'CANCELLED', processedRows: 500, percent: 25 }))).toBe(true);
    const done = state({ status: 'COMPLETED', processedRows: 2000, percent: 100 });
    expect(mayFollow(done, state({ status: 'COMPLETED', processedRows: 2000, percent: 100 }))).toBe(false);
    expect(mayFollow(done, state({ status: 'RUNNING', processedRows: 3000, percent: 100 }))).toBe(false);
  });
});

describe('laterOf', () => {
  it('should pick the more advanced state, and the first when the second is missing or behind', () => {
    const a = state({ processedRows: 500, percent: 5 });
    const b = state({ processedRows: 1000, percent: 10 });
    expect(laterOf(a, b)).toBe(b);
    expect(laterOf(b, a)).toBe(b);
    expect(laterOf(a, undefined)).toBe(a);
  });
});

describe('isAhead', () => {
  it('should call a state news when it may follow and moves a status, count or percent, and not when it only repeats', () => {
    const last = state({ processedRows: 500, percent: 5, rowsPerSecond: 100, etaSeconds: 10 });
    expect(isAhead(undefined, last)).toBe(true);
    expect(isAhead(last, state({ processedRows: 1000, percent: 10 }))).toBe(true);
    expect(isAhead(last, state({ processedRows: 500, percent: 5, totalRows: 10000 }))).toBe(true);
    expect(isAhead(last, state({ processedRows: 500, percent: 5, status: 'COMPLETED' }))).toBe(true);
    // The same progress, read again later: a new rate, ETA and updatedAt are no news.
    expect(isAhead(last, state({ processedRows: 500, percent: 5, rowsPerSecond: 90, etaSeconds: 11, updatedAt: '2026-01-01T00:00:01.000Z' }))).toBe(false);
    expect(isAhead(last, state({ processedRows: 400, percent: 4 }))).toBe(false);
  });
});
