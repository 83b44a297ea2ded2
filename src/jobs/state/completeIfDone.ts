import type pg from 'pg';
import { queueJobEvent } from '../../webhooks/queueJobEvent.ts';
import { JOB_COLUMNS, type JobRecord } from '../jobRecord.ts';
import { PERCENT_SQL } from '../progressMath.ts';

/**
 * Recomputes percent from the counters just written in this transaction, and completes a RUNNING
 * import (or revert) once staging has ended and every staged chunk is merged. Run after every counter
 * change: the last of the stage task and the merge tasks to commit is the one that completes the job,
 * and queues its webhooks (job.completed) in that same transaction: `db` MUST be in a transaction.
 * Null when the job is not RUNNING.
 *
 * updated_at is clock_timestamp(), not now() (the transaction's start, hundreds of ms before a merge
 * commits): this statement is the merge's last, so it stamps the state within a statement of its
 * commit, and, as it runs once the row's lock is held, in the order the job's writers commit. The
 * other progress writers (recordStagedChunk, finishStaging, recordRevertedChunk, recordExportProgress)
 * stamp it the same way. Subscribers get it as JobProgress.updatedAt; bench:progress measures from it.
 */
export async function completeIfDone(db: pg.ClientBase, jobId: string): Promise<JobRecord | null> {
  const done = 'total_chunks IS NOT NULL AND merged_chunks >= total_chunks';
  const { rows } = await db.query<JobRecord>(
    `UPDATE jobs SET
       percent = CASE WHEN ${done} THEN 100 ELSE ${PERCENT_SQL} END,
       status = CASE WHEN ${done} THEN 'COMPLETED'::"JobStatus" ELSE status END,
       completed_at = CASE WHEN ${done} THEN now() ELSE completed_at END,
       updated_at = clock_timestamp()
     WHERE id = $1 AND status = 'RUNNING' RETURNING ${JOB_COLUMNS}`,
    [jobId],
  );
  await queueJobEvent(db, rows[0] ?? null); // nothing unless this statement completed it
  return rows[0] ?? null;
}
