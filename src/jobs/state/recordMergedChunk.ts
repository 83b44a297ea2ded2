import type pg from 'pg';
import { assertStillRunning } from './jobNoLongerMine.ts';

export interface MergedCounts {
  processed: number;
  succeeded: number;
  failed: number;
  inserted: number;
  updated: number;
  /** True once this import has met a key that already existed (merges stop trying a plain INSERT). */
  conflictsMet: boolean;
  /** Row errors this chunk stored. */
  storedErrors: number;
  /** Some failed rows of this chunk have no stored error (MAX_ROW_ERRORS reached). */
  errorsDropped: boolean;
}

/**
 * Adds one merged chunk's counts to a RUNNING import, in the transaction that merged it.
 * INVARIANT: succeeded = inserted + updated + unchanged; processed = succeeded + failed.
 */
export async function recordMergedChunk(db: pg.ClientBase, jobId: string, c: MergedCounts): Promise<void> {
  const r = await db.query(
    `UPDATE jobs SET processed_rows = processed_rows + $2, succeeded_rows = succeeded_rows + $3,
       failed_rows = failed_rows + $4, inserted_rows = inserted_rows + $5, updated_rows = updated_rows + $6,
       unchanged_rows = unchanged_rows + $7, merged_chunks = merged_chunks + 1, conflicts_met = conflicts_met OR $8,
       stored_errors = stored_errors + $9, errors_truncated = errors_truncated OR $10
     WHERE id = $1 AND status = 'RUNNING'`,
    [jobId, c.processed, c.succeeded, c.failed, c.inserted, c.updated, c.succeeded - c.inserted - c.updated, c.conflictsMet, c.storedErrors, c.errorsDropped],
  );
  assertStillRunning(r.rowCount);
}
