import type pg from 'pg';
import { assertStillRunning } from './jobNoLongerMine.ts';

/**
 * A RUNNING revert knows its size: ledger rows, chunks and the chunk size, all kept from its first run
 * (a retry, maybe on a worker with another CHUNK_SIZE, cuts the same chunks, so its marks still match).
 */
export async function recordRevertPlan(db: pg.Pool | pg.ClientBase, jobId: string, rows: number, chunks: number, chunkSize: number): Promise<void> {
  const r = await db.query(
    `UPDATE jobs SET total_rows = COALESCE(total_rows, $2), total_chunks = COALESCE(total_chunks, $3),
       options = jsonb_build_object('chunkSize', $4::int) || options, updated_at = now()
     WHERE id = $1 AND status = 'RUNNING'`,
    [jobId, rows, chunks, chunkSize],
  );
  assertStillRunning(r.rowCount);
}
