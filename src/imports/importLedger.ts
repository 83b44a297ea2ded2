import type pg from 'pg';

/**
 * An import's ledger: what its merges changed, written in the SAME transactions as the changes, so it
 * is exactly as complete as the import. One LOGGED table per import (schema bulkport_ledger), without
 * an index: appending costs a merge little, and the whole table is dropped with the import's files
 * after the retention period.
 *   row_no      the file's row that wrote it
 *   entity_id   the entity row's id
 *   action      'I' inserted, 'U' updated
 *   written_at  the merge transaction's now(): the entity row's updated_at right after the merge
 *   before      'U': the whole entity row before the merge (to_jsonb), to put back
 * and one compact form, written by the direct path (directChunk.ts) for a chunk whose rows got
 * consecutive ids, which would otherwise cost a ledger row per inserted row (a second of
 * PostgreSQL's time per million):
 *   'R'         rows inserted with ids entity_id, entity_id + 1, …; before holds their file rows in
 *               id order (ascending), as a JSON array of [first, last] runs of consecutive rows, or
 *               (written before 2 December 2026) of single rows; row_no is the chunk's first row
 *               (maybe a rejected one)
 * A revert (src/reverts/) first expands every 'R' entry into 'I' entries (expandLedger), then reads
 * the ledger back in row order.
 */
export function ledgerTable(jobId: string): string {
  return `bulkport_ledger."j_${jobId.replace(/-/g, '')}"`;
}

export async function createLedger(db: pg.Pool | pg.ClientBase, jobId: string): Promise<void> {
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${ledgerTable(jobId)} (row_no int NOT NULL, entity_id bigint NOT NULL, action "char" NOT NULL, written_at timestamptz NOT NULL, before jsonb)`,
  );
}

export async function ledgerExists(db: pg.Pool | pg.ClientBase, jobId: string): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS ok`, [ledgerTable(jobId)]);
  return rows[0].ok;
}

export async function dropLedger(db: pg.Pool | pg.ClientBase, jobId: string): Promise<void> {
  await db.query(`DROP TABLE IF EXISTS ${ledgerTable(jobId)}`);
}

/**
 * Rewrites the ledger's compact 'R' entries as one 'I' entry per row, in one statement (atomic, and a
 * no-op once done): what a revert reads row by row.
 */
export async function expandLedger(db: pg.Pool | pg.ClientBase, jobId: string): Promise<void> {
  const ledger = ledgerTable(jobId);
  await db.query(
    `WITH r AS (DELETE FROM ${ledger} WHERE action = 'R' RETURNING entity_id, written_at, before),
     e AS (
       SELECT r.entity_id, r.written_at, e.ord,
              CASE WHEN jsonb_typeof(e.v) = 'array' THEN (e.v->>0)::int ELSE (e.v #>> '{}')::int END AS first,
              CASE WHEN jsonb_typeof(e.v) = 'array' THEN (e.v->>1)::int ELSE (e.v #>> '{}')::int END AS last
       FROM r, jsonb_array_elements(r.before) WITH ORDINALITY AS e(v, ord)),
     -- Each run's ids follow those of the entry's earlier runs: a sum over the runs, not a sort of the rows.
     runs AS (
       SELECT entity_id, written_at, first, last,
              coalesce(sum(last - first + 1) OVER (PARTITION BY entity_id ORDER BY ord ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS ids_before
       FROM e)
     INSERT INTO ${ledger} (row_no, entity_id, action, written_at)
     SELECT f.file_row, runs.entity_id + runs.ids_before + (f.file_row - runs.first), 'I', runs.written_at
     FROM runs, generate_series(runs.first, runs.last) AS f(file_row)`,
  );
}
