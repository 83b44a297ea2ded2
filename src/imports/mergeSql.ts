import type { EntityDefinition } from '../entities/entityDefinition.ts';
import type { DuplicateStrategy } from '../jobs/jobStatus.ts';
import type { StagingTables } from './stagingTables.ts';

/**
 * The set-based statement that merges one chunk of staged rows into the entity's table.
 * Parameters: $1 job id, $2 first row, $3 last row, $4 workspace id.
 * Returns one row: inserted, updated, rejected (rows refused as DUPLICATE_EXISTS), and for FAIL
 * `duplicates`: [row_no, key] of each refused row, for the caller to store as row errors (within the
 * job's cap, and outside a dry run's rollback).
 *
 * INVARIANT: staging has already removed in-file duplicates (only the first valid occurrence of a
 * key has ok = true), so no statement here can meet the same key twice, whatever the chunk size.
 * `deferred` selects the chunk's own rows (false) or the rows settled after staging (true).
 * With a `ledger` (src/imports/importLedger.ts), the same statement records each row it inserted
 * and the before-image of each row it updated: the ledger commits exactly with the changes.
 */
export function mergeSql(
  entity: EntityDefinition,
  t: StagingTables,
  strategy: DuplicateStrategy,
  presentColumns: string[],
  deferred: boolean,
  ledger: string | null,
): string {
  const cols = entity.columns.map((c) => `"${c.name}"`);
  const key = `"${entity.key}"`;
  const src = `src AS (SELECT row_no, ${cols.join(', ')} FROM ${t.rows} WHERE row_no BETWEEN $2 AND $3 AND ok AND ${deferred ? '' : 'NOT '}deferred)`;
  // import_row: the file row, RETURNed so the ledger needs no join back to staging (such a join of two
  // CTEs is planned from staging's estimates, which are far off: it cost up to 30% of a merge).
  const insertFrom = (from: string) => `INSERT INTO "${entity.table}" (workspace_id, import_job_id, import_row, ${cols.join(', ')})
    SELECT $4::uuid, $1::uuid, row_no, ${cols.join(', ')} FROM ${from}`;
  const insert = insertFrom('src');
  // Staging compares keys bytewise (COLLATE "C"); against the entity table, the table's own collation, so its index serves.
  const sameKey = (alias: string) => `${alias}.${key} = s.${key} COLLATE "default"`;
  // Only columns the file has are overwritten: a file without a phone column must not erase phones.
  const updatable = presentColumns.filter((c) => c !== entity.key).map((c) => `"${c}"`);

  if (strategy === 'UPDATE' && updatable.length > 0) {
    const target = `"${entity.table}"`;
    const differs = (a: string, b: string) =>
      `(${updatable.map((c) => `${a}.${c}`).join(', ')}) IS DISTINCT FROM (${updatable.map((c) => `${b}.${c}`).join(', ')})`;
    // MATERIALIZED: inlined, the planner (which sees a few hundred staged rows where there are
    // thousands, staging is never analysed) probes prev once per inserted row: quadratic (200,000
    // updates ran for over 5 minutes instead of 5 s). LATERAL … LIMIT 1, as in chg: an index probe per
    // changed row, never a scan of the workspace's rows per row (see settleDeferred.ts).
    const prev = ledger
      ? `prev AS MATERIALIZED (SELECT p.id, p.before FROM chg s CROSS JOIN LATERAL (SELECT t.id, to_jsonb(t.*) AS before, ${updatable.map((c) => `t.${c}`).join(', ')}
          FROM ${target} t WHERE t.workspace_id = $4 AND ${sameKey('t')} LIMIT 1) p WHERE ${differs('p', 's')}),`
      : '';
    // Only new or changed rows go to the upsert: ON CONFLICT DO UPDATE locks (and so writes WAL for)
    // every conflicting row even when its WHERE then skips it; an unchanged re-import paid that for
    // every row (measured: 16 s against 2.6 s for 1,000,000 unchanged rows). LATERAL … LIMIT 1 keeps
    // this an index probe per staged row whatever staging's (never analysed) estimates say. A row
    // changed by someone else between this snapshot and the upsert is left as they wrote it.
    const chg = `chg AS MATERIALIZED (SELECT s.* FROM src s LEFT JOIN LATERAL (SELECT true AS found, ${updatable.map((c) => `t.${c}`).join(', ')}
        FROM ${target} t WHERE t.workspace_id = $4 AND ${sameKey('t')} LIMIT 1) t ON true
      WHERE t.found IS NULL OR ${differs('t', 's')}),`;
    const led = ledger
      ? `, led AS (INSERT INTO ${ledger} (row_no, entity_id, action, written_at, before)
          SELECT ins.import_row, ins.id, CASE WHEN ins.inserted THEN 'I' ELSE 'U' END, now(), p.before
          FROM ins LEFT JOIN prev p ON p.id = ins.id)`
      : '';
    return `WITH ${src}, ${chg} ${prev}
      ins AS (${insertFrom('chg')}
        ON CONFLICT (workspace_id, ${key}) DO UPDATE SET
          ${updatable.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}, import_job_id = EXCLUDED.import_job_id, import_row = EXCLUDED.import_row, updated_at = now()
        WHERE ${differs(target, 'EXCLUDED')}
        RETURNING (xmax = 0) AS inserted, id, import_row)
      ${led}
      SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*) FILTER (WHERE NOT inserted)::int AS updated, 0 AS rejected FROM ins`;
  }
  const recordInserts = ledger
    ? `, led AS (INSERT INTO ${ledger} (row_no, entity_id, action, written_at) SELECT ins.import_row, ins.id, 'I', now() FROM ins)`
    : '';

  if (strategy === 'FAIL') {
    return `WITH ${src},
      ins AS (${insert} ON CONFLICT (workspace_id, ${key}) DO NOTHING RETURNING id, import_row, ${key})
      ${recordInserts},
      dup AS (SELECT s.row_no, s.${key}::text AS key FROM src s WHERE NOT EXISTS (SELECT 1 FROM ins WHERE ${sameKey('ins')}))
      SELECT (SELECT count(*) FROM ins)::int AS inserted, 0 AS updated, (SELECT count(*) FROM dup)::int AS rejected,
             (SELECT coalesce(json_agg(json_build_array(row_no, key) ORDER BY row_no), '[]') FROM dup) AS duplicates`;
  }
  // SKIP (and UPDATE of a file that has nothing but the key): existing rows are kept as they are.
  return `WITH ${src},
    ins AS (${insert} ON CONFLICT (workspace_id, ${key}) DO NOTHING RETURNING id, import_row)
    ${recordInserts}
    SELECT count(*)::int AS inserted, 0 AS updated, 0 AS rejected FROM ins`;
}

/**
 * The same rows inserted without ON CONFLICT, which spares PostgreSQL the speculative insertion
 * (measured: a third less work). Only valid while the import has met no existing key: the caller
 * runs it under a savepoint and, on a unique violation, rolls back and runs mergeSql instead.
 * Parameters as mergeSql; returns one row: inserted.
 */
export function plainInsertSql(entity: EntityDefinition, t: StagingTables, deferred: boolean, ledger: string | null): string {
  const cols = entity.columns.map((c) => `"${c.name}"`).join(', ');
  const src = `src AS (SELECT row_no, ${cols} FROM ${t.rows} WHERE row_no BETWEEN $2 AND $3 AND ok AND ${deferred ? '' : 'NOT '}deferred)`;
  const led = ledger ? `, led AS (INSERT INTO ${ledger} (row_no, entity_id, action, written_at) SELECT ins.import_row, ins.id, 'I', now() FROM ins)` : '';
  return `WITH ${src},
    ins AS (INSERT INTO "${entity.table}" (workspace_id, import_job_id, import_row, ${cols}) SELECT $4::uuid, $1::uuid, row_no, ${cols} FROM src RETURNING id, import_row)
    ${led}
    SELECT count(*)::int AS inserted FROM ins`;
}
