import type { ProgressEvent } from './progressBus.ts';
import type { JobRecord } from './jobRecord.ts';
import { isTerminal } from './jobStatus.ts';

/**
 * Rows the job will process in all: exact once staging has read the whole file, before that an
 * estimate from the share of the file's bytes read so far. Null when nothing is known yet.
 */
export function expectedRows(job: JobRecord): number | null {
  if (job.totalRows !== null) return job.totalRows;
  const staged = Number(job.stagedBytes);
  const size = Number(job.fileBytes ?? 0);
  if (job.stagedRows === 0 || staged === 0 || size === 0) return null;
  return Math.max(job.stagedRows, Math.round((job.stagedRows * size) / staged));
}

/** Average rows per second since the job started (to completion, once it has ended). */
export function rowsPerSecond(job: JobRecord, now: Date = new Date()): number | null {
  if (!job.startedAt || job.processedRows === 0) return null;
  const end = job.completedAt ?? now;
  const seconds = (end.getTime() - job.startedAt.getTime()) / 1000;
  if (seconds <= 0) return null;
  return Math.round((job.processedRows / seconds) * 10) / 10;
}

export function etaSeconds(job: JobRecord, now: Date = new Date()): number | null {
  if (isTerminal(job.status)) return job.status === 'COMPLETED' ? 0 : null;
  const rate = rowsPerSecond(job, now);
  const expected = expectedRows(job);
  if (!rate || expected === null) return null;
  return Math.max(0, Math.ceil((expected - job.processedRows) / rate));
}

export function toProgressEvent(job: JobRecord, now: Date = new Date()): ProgressEvent {
  return {
    jobId: job.id,
    status: job.status,
    totalRows: job.totalRows,
    processedRows: job.processedRows,
    succeededRows: job.succeededRows,
    failedRows: job.failedRows,
    percent: job.status === 'COMPLETED' ? 100 : Math.round(job.percent * 100) / 100,
    rowsPerSecond: rowsPerSecond(job, now),
    etaSeconds: etaSeconds(job, now),
    updatedAt: job.updatedAt.toISOString(),
  };
}

/**
 * SQL expression for the new percent of a jobs row after its counters have been updated: exact once
 * total_rows is known, estimated from bytes before, capped at 99 until the job completes, and
 * never lower than what was already published.
 */
export const PERCENT_SQL = `GREATEST(percent, LEAST(99.99, CASE
    WHEN total_rows IS NOT NULL AND total_rows > 0 THEN 100.0 * processed_rows / total_rows
    WHEN staged_rows > 0 AND staged_bytes > 0 AND file_bytes > 0
      THEN 100.0 * processed_rows / GREATEST(staged_rows, staged_rows::float8 * file_bytes / staged_bytes)
    ELSE 0 END))`;
