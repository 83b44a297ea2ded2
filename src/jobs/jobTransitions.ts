import type pg from 'pg';
import { JOB_COLUMNS, type JobRecord } from './jobRecord.ts';
import { PERCENT_SQL } from './progressMath.ts';

/**
 * Status changes of a job, each one conditional UPDATE so that concurrent actors (workers, a
 * cancelling user, the sweeper) agree on one outcome: whoever's UPDATE matches first wins.
 * Terminal states are final: nothing here moves a job out of COMPLETED, FAILED or CANCELLED.
 */

export async function loadJob(db: pg.Pool | pg.ClientBase, jobId: string): Promise<JobRecord | null> {
  const { rows } = await db.query<JobRecord>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = $1`, [jobId]);
  return rows[0] ?? null;
}

/** QUEUED → RUNNING (a retried task finds it RUNNING already). Null when the job has ended meanwhile. */
export async function markRunning(db: pg.Pool | pg.ClientBase, jobId: string): Promise<JobRecord | null> {
  const { rows } = await db.query<JobRecord>(
    `UPDATE jobs SET status = 'RUNNING', started_at = COALESCE(started_at, now()), updated_at = now()
     WHERE id = $1 AND status IN ('QUEUED', 'RUNNING') RETURNING ${JOB_COLUMNS}`,
    [jobId],
  );
  return rows[0] ?? null;
}

/** Any non-terminal state → FAILED with a reason the user can act on. */
export async function markFailed(db: pg.Pool | pg.ClientBase, jobId: string, reason: string): Promise<JobRecord | null> {
  const { rows } = await db.query<JobRecord>(
    `UPDATE jobs SET status = 'FAILED', failure_reason = $2, completed_at = now(), updated_at = now()
     WHERE id = $1 AND status IN ('QUEUED', 'RUNNING') RETURNING ${JOB_COLUMNS}`,
    [jobId, reason.replace(/\u0000/g, '')],
  );
  return rows[0] ?? null;
}

/**
 * QUEUED or RUNNING → CANCELLED. Chunks commit only while the job is RUNNING (their final UPDATE
 * checks it), so once this commits the counters are final: they count exactly the rows that landed.
 */
export async function markCancelled(db: pg.Pool | pg.ClientBase, jobId: string): Promise<JobRecord | null> {
  const { rows } = await db.query<JobRecord>(
    `UPDATE jobs SET status = 'CANCELLED', completed_at = now(), updated_at = now()
     WHERE id = $1 AND status IN ('QUEUED', 'RUNNING') RETURNING ${JOB_COLUMNS}`,
    [jobId],
  );
  return rows[0] ?? null;
}

/**
 * Recomputes percent from the counters just written in this transaction, and completes a RUNNING
 * job once staging has ended and every staged chunk is merged. Run after every counter change:
 * the last of the stage task and the merge tasks to commit is the one that completes the job.
 */
export async function settleJob(db: pg.ClientBase, jobId: string): Promise<JobRecord | null> {
  const done = 'total_chunks IS NOT NULL AND merged_chunks >= total_chunks';
  const { rows } = await db.query<JobRecord>(
    `UPDATE jobs SET
       percent = CASE WHEN ${done} THEN 100 ELSE ${PERCENT_SQL} END,
       status = CASE WHEN ${done} THEN 'COMPLETED'::"JobStatus" ELSE status END,
       completed_at = CASE WHEN ${done} THEN now() ELSE completed_at END,
       updated_at = now()
     WHERE id = $1 AND status = 'RUNNING' RETURNING ${JOB_COLUMNS}`,
    [jobId],
  );
  return rows[0] ?? null;
}
