import type pg from 'pg';
import { withTransaction } from '../db/pool.ts';
import type { EntityDefinition } from '../entities/entityDefinition.ts';
import type { ImportJob, JobRecord } from '../jobs/jobRecord.ts';
import { completeIfDone } from '../jobs/state/completeIfDone.ts';
import { finishStaging } from '../jobs/state/finishStaging.ts';
import type { TaskLease } from '../jobs/taskLease.ts';
import { DEFERRED_CHUNK } from '../queue/tasks.ts';
import { settleDeferred } from './settleDeferred.ts';
import { StagingLost } from './stagingLost.ts';
import { stagingIntact, type StagingTables } from './stagingTables.ts';

/**
 * The whole file is in staging: settle the deferred rows and fix the job's totals, in ONE
 * transaction, then complete the job if every merge has already committed. For a repair after
 * staging had ended, only the deferred rows are settled again, and only if they are not merged yet.
 * Returns the job as this transaction left it (null when nothing about it changed).
 */
export async function completeStaging(
  pool: pg.Pool,
  job: ImportJob,
  entity: EntityDefinition,
  t: StagingTables,
  bytesRead: number,
  lease: TaskLease,
): Promise<JobRecord | null> {
  return withTransaction(pool, async (db) => {
    await lease.assertHeld(db);
    if (!(await stagingIntact(db, t))) throw new StagingLost(job.id, 'found when staging ended');
    if (job.totalChunks === null) {
      const extraChunks = await settleDeferred(db, job, entity, t);
      await finishStaging(db, job.id, bytesRead, extraChunks);
      return completeIfDone(db, job.id);
    }
    const merged = await db.query('SELECT 1 FROM job_chunks WHERE job_id = $1 AND chunk = $2', [job.id, DEFERRED_CHUNK]);
    if (merged.rowCount === 0) await settleDeferred(db, job, entity, t);
    return null;
  });
}
