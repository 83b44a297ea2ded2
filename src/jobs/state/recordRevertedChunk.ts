import type pg from 'pg';
import { assertStillRunning } from './jobNoLongerMine.ts';

export interface RevertedCounts {
  /** Ledger rows the chunk looked at. */
  processed: number;
  /** Rows the import had inserted, deleted. */
  deleted: number;
  /** Rows the import had updated, given their before-image back. */
  restored: number;
  /** Rows changed since the import, left alone (CHANGED_SINCE_IMPORT). */
  kept: number;
}

/** Adds one reverted chunk's counts to a RUNNING revert job. succeeded = deleted + restored; failed = kept. */
export async function recordRevertedChunk(db: pg.ClientBase, jobId: string, c: RevertedCounts): Promise<void> {
  const r = await db.query(
    `UPDATE jobs SET processed_rows = processed_rows + $2, succeeded_rows = succeeded_rows + $3 + $4, failed_rows = failed_rows + $5,
       deleted_rows = deleted_rows + $3, updated_rows = updated_rows + $4, merged_chunks = merged_chunks + 1, updated_at = clock_timestamp()
     WHERE id = $1 AND status = 'RUNNING'`,
    [jobId, c.processed, c.deleted, c.restored, c.kept],
  );
  assertStillRunning(r.rowCount);
}
