import { isTerminal, type JobProgressFields, type JobStatus } from '../api/operations.ts';

/** What the progress bar shows: a job's state as last folded from its events. */
export type ProgressView = Omit<JobProgressFields, 'jobId'>;

const STAGE: Record<JobStatus, number> = { QUEUED: 0, RUNNING: 1, COMPLETED: 2, FAILED: 2, CANCELLED: 2 };

/**
 * Folds an event into what is shown. INVARIANT: the bar never goes backwards and an ended job
 * stays ended. Events can arrive out of date: after a reconnect the server first sends the job's
 * current state from PostgreSQL, which may be older than a live event another API instance
 * already relayed; an older event may still bring a total that was unknown, nothing else.
 */
export function mergeProgress(shown: ProgressView | null, next: ProgressView): ProgressView {
  if (!shown) return next;
  if (isTerminal(shown.status)) return shown;
  const fresher = next.processedRows >= shown.processedRows;
  return {
    status: STAGE[next.status] >= STAGE[shown.status] ? next.status : shown.status,
    totalRows: next.totalRows ?? shown.totalRows,
    processedRows: Math.max(shown.processedRows, next.processedRows),
    succeededRows: Math.max(shown.succeededRows, next.succeededRows),
    failedRows: Math.max(shown.failedRows, next.failedRows),
    percent: Math.max(shown.percent, next.percent),
    rowsPerSecond: fresher ? next.rowsPerSecond : shown.rowsPerSecond,
    etaSeconds: fresher ? next.etaSeconds : shown.etaSeconds,
  };
}

/** aria-valuenow: a whole number 0–100 that reaches 100 only when the job does. */
export function barValue(view: ProgressView): number {
  if (view.status === 'COMPLETED') return 100;
  return Math.min(99, Math.max(0, Math.floor(view.percent)));
}
