import type pg from 'pg';
import type { ImportJob } from '../jobs/jobRecord.ts';
import { markStagingInUse, stagingIntact, type StagingTables } from './stagingTables.ts';

/**
 * Where a stage task starts, from what the (logged) jobs row counts and what the (UNLOGGED) staging
 * table still holds:
 * - fresh:  nothing staged yet; read and count every chunk.
 * - resume: an earlier attempt died; rows up to the last committed chunk are staged and counted,
 *           so continue after them (the key filter is refilled from staging first, and chunk numbers
 *           go on from the count of chunks staged).
 * - repair: the job counts staged rows but staging is empty: a PostgreSQL crash emptied it. Read
 *           the file again from the start and stage every row, but count (and queue merges for) only
 *           the chunks beyond the `countedChunks` counted before the crash: those merges were queued
 *           with their chunk and wait for their rows. Chunks already merged are restaged too, because
 *           settling deferred duplicates needs every key's first row.
 */
export type StagingPlan = { mode: 'fresh' | 'resume'; resumeAfterRow: number; countedChunks: 0 } | { mode: 'repair'; resumeAfterRow: 0; countedChunks: number };

/**
 * Decides, then marks staging in use (the sentinel). `resumeAfterRow` is the last row of the last
 * counted chunk (its last record, valid or not: the jobs row keeps it, staging may not hold it).
 */
export async function planStaging(db: pg.Pool, job: ImportJob, t: StagingTables): Promise<StagingPlan> {
  let plan: StagingPlan;
  if (job.stagedChunks > 0 && !(await stagingIntact(db, t))) plan = { mode: 'repair', resumeAfterRow: 0, countedChunks: job.stagedChunks };
  else if (job.stagedChunks > 0) plan = { mode: 'resume', resumeAfterRow: job.stagedToRow, countedChunks: 0 };
  else plan = { mode: 'fresh', resumeAfterRow: 0, countedChunks: 0 };
  await markStagingInUse(db, t);
  return plan;
}
