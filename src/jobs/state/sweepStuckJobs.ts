import type pg from 'pg';
import { inTransaction } from '../../db/pool.ts';
import { queueJobEvent } from '../../webhooks/queueJobEvent.ts';
import { JOB_COLUMNS, type JobRecord } from '../jobRecord.ts';

/**
 * Fails QUEUED/RUNNING jobs that nothing will ever move again: no task of theirs left that can
 * still run (queued, running, or held by a dead worker, which the reaper frees within seconds) and
 * no update for staleSeconds. The backstop for what could not even record its own failure: the
 * database was down when a task gave up, or a task killed its worker on every one of its claims.
 *
 * A slow but live worker is never failed: its task is locked, with attempts left.
 * (Tasks are matched by payload.jobId in graphile-worker's own table: the jobs view has no payload.)
 * The webhooks of the jobs it fails (job.failed) are queued in the same transaction.
 */
export async function sweepStuckJobs(db: pg.Pool | pg.ClientBase, staleSeconds: number): Promise<JobRecord[]> {
  return inTransaction(db, async (tx) => {
    const { rows } = await tx.query<JobRecord>(
      `UPDATE jobs j SET status = 'FAILED', completed_at = now(), updated_at = now(),
       failure_reason = 'processing stopped unexpectedly and could not be resumed; start the job again'
     WHERE j.status IN ('QUEUED', 'RUNNING') AND j.updated_at < now() - make_interval(secs => $1)
       AND NOT EXISTS (SELECT 1 FROM graphile_worker._private_jobs g
                       WHERE g.payload->>'jobId' = j.id::text AND g.attempts < g.max_attempts)
     RETURNING ${JOB_COLUMNS}`,
      [staleSeconds],
    );
    for (const job of rows) await queueJobEvent(tx, job);
    return rows;
  });
}
