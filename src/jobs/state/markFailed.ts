import type pg from 'pg';
import { inTransaction } from '../../db/pool.ts';
import { queueJobEvent } from '../../webhooks/queueJobEvent.ts';
import { JOB_COLUMNS, type JobRecord } from '../jobRecord.ts';

/** Longest failureReason kept: a reason is a sentence, not a dump. */
const MAX_REASON = 1000;

/**
 * Any non-terminal state → FAILED with a reason the user can act on. Null when it had already ended.
 * Its webhooks (job.failed) are queued in the same transaction (the caller's, or one of its own).
 */
export async function markFailed(db: pg.Pool | pg.ClientBase, jobId: string, reason: string): Promise<JobRecord | null> {
  const clean = reason.replace(/\u0000/g, '');
  return inTransaction(db, async (tx) => {
    const { rows } = await tx.query<JobRecord>(
      `UPDATE jobs SET status = 'FAILED', failure_reason = $2, completed_at = now(), updated_at = now()
       WHERE id = $1 AND status IN ('QUEUED', 'RUNNING') RETURNING ${JOB_COLUMNS}`,
      [jobId, clean.length > MAX_REASON ? `${clean.slice(0, MAX_REASON)}…` : clean],
    );
    await queueJobEvent(tx, rows[0] ?? null);
    return rows[0] ?? null;
  });
}
