import type pg from 'pg';
import { assertStillRunning } from './jobNoLongerMine.ts';

export interface StagedChunk {
  /** Data rows of the chunk (valid or not). */
  rows: number;
  /** Its last spreadsheet row. */
  toRow: number;
  /** How far into the file staging has read (for the progress estimate). */
  bytesRead: number;
  /** Errors of rejected rows past MAX_ROW_ERRORS that were counted, not kept. */
  errorsDropped: boolean;
}

/** Counts one more staged chunk of a RUNNING import, in the transaction that staged it. */
export async function recordStagedChunk(db: pg.ClientBase, jobId: string, c: StagedChunk): Promise<void> {
  const r = await db.query(
    `UPDATE jobs SET staged_chunks = staged_chunks + 1, staged_rows = staged_rows + $2, staged_to_row = $3, staged_bytes = $4,
       errors_truncated = errors_truncated OR $5, updated_at = clock_timestamp()
     WHERE id = $1 AND status = 'RUNNING'`,
    [jobId, c.rows, c.toRow, c.bytesRead, c.errorsDropped],
  );
  assertStillRunning(r.rowCount);
}
