import { expect } from 'vitest';

/** The contract's exact totals once a job has read its whole file: processed = total = succeeded + failed. */
export function expectExactTotals(job: { totalRows: number | null; processedRows: number; succeededRows: number; failedRows: number }, dataRows: number): void {
  expect(job.totalRows).toBe(dataRows);
  expect(job.processedRows).toBe(dataRows);
  expect(job.succeededRows + job.failedRows).toBe(dataRows);
}
