import type pg from 'pg';
import { inTransaction } from '../../db/pool.ts';
import { queueJobEvent } from '../../webhooks/queueJobEvent.ts';
import { JOB_COLUMNS, type JobRecord } from '../jobRecord.ts';

/**
 * QUEUED or RUNNING → CANCELLED. Chunks commit only while the job is RUNNING (their counter UPDATE
 * checks it), so once this commits the counters are final: they count exactly the rows that landed.
 * Its webhooks (job.cancelled) are queued in the same transaction (the caller's, or one of its own).
 */
export async function markCancelled(db: pg.Pool | pg.ClientBase, jobId: string): Promise<JobRecord | null> {
  return inTransaction(db, async (tx) => {
    const { rows } = await tx.query<JobRecord>(
      `UPDATE jobs SET status = 'CANCELLED', completed_at = now(), updated_at = now()
       WHERE id = $1 AND status IN ('QUEUED', 'RUNNING') RETURNING ${JOB_COLUMNS}`,
      [jobId],
    );
    await queueJobEvent(tx, rows[0] ?? null);
    return rows[0] ?? null;
  });
}
