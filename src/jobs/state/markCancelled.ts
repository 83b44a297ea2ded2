import type pg from 'pg';
import { JOB_COLUMNS, type JobRecord } from '../jobRecord.ts';

/**
 * QUEUED or RUNNING → CANCELLED. Chunks commit only while the job is RUNNING (their counter UPDATE
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
