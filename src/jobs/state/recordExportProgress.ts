import type pg from 'pg';
import { JOB_COLUMNS, type JobRecord } from '../jobRecord.ts';

/** Rows of a RUNNING export written so far, out of its exact total. Null when it is not RUNNING (cancelled). */
export async function recordExportProgress(db: pg.Pool | pg.ClientBase, jobId: string, processed: number, total: number): Promise<JobRecord | null> {
  const { rows } = await db.query<JobRecord>(
    `UPDATE jobs SET total_rows = $3, processed_rows = GREATEST(processed_rows, $2), succeeded_rows = GREATEST(succeeded_rows, $2),
       percent = GREATEST(percent, CASE WHEN $3 > 0 THEN LEAST(99.99, 100.0 * $2 / $3) ELSE 0 END), updated_at = clock_timestamp()
     WHERE id = $1 AND status = 'RUNNING' RETURNING ${JOB_COLUMNS}`,
    [jobId, processed, total],
  );
  return rows[0] ?? null;
}
