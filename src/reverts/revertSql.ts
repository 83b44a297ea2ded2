import type { EntityDefinition } from '../entities/entityDefinition.ts';

/**
 * One chunk of a revert, as ONE statement over the import's ledger rows in [$3, $4]:
 * - a row the import inserted is deleted, a row it updated gets its before-image back (every entity
 *   column and import_job_id; updated_at becomes now()),
 * - but only while the row is still as the import left it: written by that import (import_job_id)
 *   and not touched since (updated_at equals the merge's now(), kept in the ledger). Any other row was
 *   changed (or deleted) after the import: it is left alone and reported as CHANGED_SINCE_IMPORT.
 * Parameters: $1 revert job id, $2 import job id, $3 first row, $4 last row, $5 workspace id.
 * Returns one row: processed, deleted, restored, kept.
 */
export function revertChunkSql(entity: EntityDefinition, ledger: string): string {
  const target = `"${entity.table}"`;
  const key = `"${entity.key}"`;
  const restore = entity.columns.filter((c) => c.name !== entity.key).map((c) => `"${c.name}" = r."${c.name}"`);
  const asImportLeftIt = `t.id = l.entity_id AND t.workspace_id = $5 AND t.import_job_id = $2 AND t.updated_at = l.written_at`;
  return `WITH l AS (SELECT row_no, entity_id, action, written_at, before FROM ${ledger} WHERE row_no BETWEEN $3 AND $4),
    del AS (DELETE FROM ${target} t USING l WHERE l.action = 'I' AND ${asImportLeftIt} RETURNING l.row_no),
    res AS (UPDATE ${target} t SET ${restore.join(', ')}, import_job_id = r.import_job_id, import_row = r.import_row, updated_at = now()
            FROM l CROSS JOIN LATERAL jsonb_populate_record(NULL::${target}, l.before) r
            WHERE l.action = 'U' AND ${asImportLeftIt} RETURNING l.row_no),
    kept AS (SELECT l.row_no, l.entity_id FROM l
             WHERE NOT EXISTS (SELECT 1 FROM del WHERE del.row_no = l.row_no) AND NOT EXISTS (SELECT 1 FROM res WHERE res.row_no = l.row_no)),
    errs AS (INSERT INTO job_row_errors (job_id, "row", "column", code, message, value)
             SELECT $1, k.row_no, '${entity.key}', 'CHANGED_SINCE_IMPORT',
                    CASE WHEN t.id IS NULL THEN 'this row was deleted after the import: there is nothing to undo'
                         ELSE '${entity.key} ''' || t.${key} || ''' was changed after the import, so the revert left it as it is' END,
                    t.${key}::text
             FROM kept k LEFT JOIN ${target} t ON t.id = k.entity_id
             ON CONFLICT DO NOTHING RETURNING 1)
    SELECT (SELECT count(*) FROM l)::int AS processed, (SELECT count(*) FROM del)::int AS deleted,
           (SELECT count(*) FROM res)::int AS restored, (SELECT count(*) FROM kept)::int AS kept`;
}
