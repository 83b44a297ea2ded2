import type pg from 'pg';
import { JOB_COLUMNS, type JobRecord } from '../jobRecord.ts';

/** QUEUED → RUNNING (a retried task finds it RUNNING already). Null when the job has ended meanwhile. */
export async function markRunning(db: pg.Pool | pg.ClientBase, jobId: string): Promise<JobRecord | null> {
  const { rows } = await db.query<JobRecord>(
    `UPDATE jobs SET status = 'RUNNING', started_at = COALESCE(started_at, now()), updated_at = now()
     WHERE id = $1 AND status IN ('QUEUED', 'RUNNING') RETURNING ${JOB_COLUMNS}`,
    [jobId],
  );
  return rows[0] ?? null;
}
