import type pg from 'pg';
import type { ImportJob } from '../jobs/jobRecord.ts';
import { stagingHasRows, type StagingTables } from './stagingTables.ts';

/**
 * Where a stage task starts, from what the (logged) jobs row counts and what the (UNLOGGED) staging
 * table still holds:
 * - fresh:  nothing staged yet; read and count every chunk.
 * - resume: an earlier attempt died; rows up to the last committed chunk are staged and counted,
 *           so continue after them (the key filter is refilled from staging first).
 * - repair: the job counts staged rows but staging is empty: a PostgreSQL crash emptied it. Read
 *           the file again from the start and stage every row, but count (and queue merges for) only
 *           the chunks beyond the `countedChunks` counted before the crash: those merges were queued
 *           with their chunk and wait for their rows. Chunks already merged are restaged too, because
 *           settling deferred duplicates needs every key's first row.
 */
export type StagingPlan =
  | { mode: 'fresh' | 'resume'; resumeAfterRow: number; countedChunks: 0 }
  | { mode: 'repair'; resumeAfterRow: 0; countedChunks: number };

export async function planStaging(db: pg.Pool, job: ImportJob, t: StagingTables): Promise<StagingPlan> {
  if (job.stagedRows > 0 && !(await stagingHasRows(db, t))) {
    return { mode: 'repair', resumeAfterRow: 0, countedChunks: job.stagedChunks };
  }
  const { rows } = await db.query<{ max: number | null }>(`SELECT max(row_no) AS max FROM ${t.rows}`);
  const after = rows[0].max ?? 0;
  return { mode: after > 0 ? 'resume' : 'fresh', resumeAfterRow: after, countedChunks: 0 };
}
