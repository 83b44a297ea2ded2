import type pg from 'pg';
import type { StagingTables } from './stagingTables.ts';

/** The rows of one merge: a chunk's own rows, or (deferred) the rows settled after staging. */
export interface ChunkRange {
  jobId: string;
  fromRow: number;
  toRow: number;
  deferred: boolean;
}

/** A row error this merge found (not staging): DUPLICATE_EXISTS, QUOTA_EXCEEDED. */
export interface MergeRowError {
  row: number;
  column: string;
  code: 'DUPLICATE_EXISTS' | 'QUOTA_EXCEEDED';
  message: string;
  value: string;
}

/**
 * Stores the chunk's row errors (those found while staging, then those this merge found),
 * up to the job's MAX_ROW_ERRORS. INVARIANT: never more than the cap are stored, whatever the number
 * of merges running at once: the job's row is locked from here to commit (the statements before this,
 * the heavy ones, run in parallel; only this short tail is serialised). NO KEY UPDATE, the lock the
 * counters' UPDATE takes anyway: FOR UPDATE would also wait for the key-share locks that other merges'
 * job_chunks and job_row_errors foreign keys hold, and deadlock with them.
 */
export async function storeRowErrors(
  db: pg.ClientBase,
  p: ChunkRange,
  t: StagingTables,
  mergeErrors: MergeRowError[],
  maxRowErrors: number,
): Promise<{ stored: number; dropped: boolean }> {
  const { rows } = await db.query<{ room: number }>(`SELECT greatest(0, $2::int - stored_errors) AS room FROM jobs WHERE id = $1 FOR NO KEY UPDATE`, [
    p.jobId,
    maxRowErrors,
  ]);
  let room = rows[0]?.room ?? 0;
  const staged = await db.query(
    `INSERT INTO job_row_errors (job_id, "row", "column", code, message, value)
     SELECT $1, row_no, col, code, message, value FROM ${t.errs}
     WHERE row_no BETWEEN $2 AND $3 AND deferred = $4 ORDER BY row_no, col LIMIT $5
     ON CONFLICT DO NOTHING`,
    [p.jobId, p.fromRow, p.toRow, p.deferred, room],
  );
  const fromStaging = staged.rowCount ?? 0;
  room -= fromStaging;
  const available = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t.errs} WHERE row_no BETWEEN $1 AND $2 AND deferred = $3`, [
    p.fromRow,
    p.toRow,
    p.deferred,
  ]);
  let dropped = available.rows[0].n > fromStaging;
  const kept = mergeErrors.slice(0, Math.max(0, room));
  if (kept.length < mergeErrors.length) dropped = true;
  let fromMerge = 0;
  if (kept.length > 0) {
    const r = await db.query(
      `INSERT INTO job_row_errors (job_id, "row", "column", code, message, value)
       SELECT $1, d.row, d.column, d.code, d.message, d.value
       FROM jsonb_to_recordset($2::jsonb) AS d("row" int, "column" text, code text, message text, value text)
       ON CONFLICT DO NOTHING`,
      [p.jobId, JSON.stringify(kept)],
    );
    fromMerge = r.rowCount ?? 0;
  }
  return { stored: fromStaging + fromMerge, dropped };
}
