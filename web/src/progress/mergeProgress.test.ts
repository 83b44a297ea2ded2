import { describe, expect, it } from 'vitest';
import { barValue, mergeProgress, type ProgressView } from './mergeProgress.ts';

const running = (processedRows: number, extra: Partial<ProgressView> = {}): ProgressView => ({
  status: 'RUNNING',
  totalRows: 1000,
  processedRows,
  succeededRows: processedRows,
  failedRows: 0,
  percent: processedRows / 10,
  rowsPerSecond: 100,
  etaSeconds: (1000 - processedRows) / 100,
  ...extra,
});

describe('folding progress events', () => {
  it('should take a newer event whole', () => {
    expect(mergeProgress(running(100), running(400, { rowsPerSecond: 250 }))).toEqual(running(400, { rowsPerSecond: 250 }));
  });

  it('should keep counts, percent, rate and time left when an older event arrives (e.g. the state sent after a reconnect)', () => {
    const shown = running(400, { rowsPerSecond: 250, etaSeconds: 3 });
    expect(mergeProgress(shown, running(300, { rowsPerSecond: 90, etaSeconds: 8 }))).toEqual(shown);
  });

  it('should learn a total that was unknown even from an older event', () => {
    const shown = running(400, { totalRows: null, percent: 35 });
    expect(mergeProgress(shown, running(300)).totalRows).toBe(1000);
  });

  it('should never move from RUNNING back to QUEUED', () => {
    expect(mergeProgress(running(400), { ...running(400), status: 'QUEUED' }).status).toBe('RUNNING');
  });

  it('should keep a terminal state whatever comes after it', () => {
    const done = running(1000, { status: 'COMPLETED', percent: 100, etaSeconds: 0 });
    expect(mergeProgress(done, running(700))).toEqual(done);
  });

  it('should show 100 only for a COMPLETED job, and whole numbers in between', () => {
    expect(barValue(running(999, { percent: 99.9 }))).toBe(99);
    expect(barValue(running(0, { percent: 0 }))).toBe(0);
    expect(barValue(running(1000, { status: 'COMPLETED', percent: 100 }))).toBe(100);
    expect(barValue(running(500, { status: 'CANCELLED', percent: 50 }))).toBe(50);
  });
});
