import { expect } from 'vitest';
import { TERMINAL_STATUSES } from '../../src/jobs/jobStatus.ts';

/** The contract's exact totals once a job has read its whole file: processed = total = succeeded + failed. */
export function expectExactTotals(job: { totalRows: number | null; processedRows: number; succeededRows: number; failedRows: number }, dataRows: number): void {
  expect(job.totalRows).toBe(dataRows);
  expect(job.processedRows).toBe(dataRows);
  expect(job.succeededRows + job.failedRows).toBe(dataRows);
}

/**
 * What must hold of any jobProgress stream that ran to its end: every event is about the job and
 * adds up, only the last one is terminal, and nothing ever goes backwards.
 */
export function expectWellFormedStream(events: any[], jobId: string): void {
  const terminal: readonly string[] = TERMINAL_STATUSES;
  expect(events.length).toBeGreaterThanOrEqual(1);
  for (const e of events) {
    expect(e.jobId).toBe(jobId);
    expect(e.succeededRows + e.failedRows).toBe(e.processedRows);
    expect(e.percent).toBeGreaterThanOrEqual(0);
    expect(e.percent).toBeLessThanOrEqual(100);
  }
  expect(
    events
      .slice(0, -1)
      .map((e) => e.status)
      .filter((s) => terminal.includes(s)),
  ).toEqual([]);
  expect(terminal).toContain(events.at(-1).status);
  for (let i = 1; i < events.length; i++) {
    expect(events[i].processedRows).toBeGreaterThanOrEqual(events[i - 1].processedRows);
    expect(events[i].succeededRows).toBeGreaterThanOrEqual(events[i - 1].succeededRows);
    expect(events[i].failedRows).toBeGreaterThanOrEqual(events[i - 1].failedRows);
    expect(events[i].percent).toBeGreaterThanOrEqual(events[i - 1].percent);
  }
}
