import type pg from 'pg';
import { inTransaction } from '../../db/pool.ts';
import { queueJobEvent } from '../../webhooks/queueJobEvent.ts';
import { JOB_COLUMNS, type JobRecord } from '../jobRecord.ts';

/**
 * A RUNNING export whose file is published → COMPLETED with its exact row count. Null when it ended meanwhile.
 * Its webhooks (job.completed) are queued in the same transaction (the caller's, or one of its own).
 */
export async function completeExport(db: pg.Pool | pg.ClientBase, jobId: string, resultKey: string, total: number): Promise<JobRecord | null> {
  return inTransaction(db, async (tx) => {
    const { rows } = await tx.query<JobRecord>(
      `UPDATE jobs SET status = 'COMPLETED', result_key = $2, total_rows = $3, processed_rows = $3, succeeded_rows = $3,
         percent = 100, completed_at = now(), updated_at = now()
       WHERE id = $1 AND status = 'RUNNING' RETURNING ${JOB_COLUMNS}`,
      [jobId, resultKey, total],
    );
    await queueJobEvent(tx, rows[0] ?? null);
    return rows[0] ?? null;
  });
}
