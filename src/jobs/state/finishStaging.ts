import type pg from 'pg';
import { assertStillRunning } from './jobNoLongerMine.ts';

/**
 * The whole file is staged: the row count is now exact, and the import completes when
 * `stagedChunks + extraChunks` chunks are merged (see completeIfDone).
 */
export async function finishStaging(db: pg.ClientBase, jobId: string, bytesRead: number, extraChunks: number): Promise<void> {
  const r = await db.query(
    `UPDATE jobs SET total_rows = staged_rows, total_chunks = staged_chunks + $3, staged_bytes = $2, updated_at = clock_timestamp()
     WHERE id = $1 AND status = 'RUNNING'`,
    [jobId, bytesRead, extraChunks],
  );
  assertStillRunning(r.rowCount);
}
