import type pg from 'pg';
import { assertStillRunning } from './jobNoLongerMine.ts';

/**
 * Counts one more staged chunk of a RUNNING import, in the transaction that staged it.
 * `bytesRead` is how far into the file staging has read (for the progress estimate).
 */
export async function recordStagedChunk(db: pg.ClientBase, jobId: string, rows: number, bytesRead: number): Promise<void> {
  const r = await db.query(
    `UPDATE jobs SET staged_chunks = staged_chunks + 1, staged_rows = staged_rows + $2, staged_bytes = $3, updated_at = now()
     WHERE id = $1 AND status = 'RUNNING'`,
    [jobId, rows, bytesRead],
  );
  assertStillRunning(r.rowCount);
}
