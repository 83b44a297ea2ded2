import type pg from 'pg';
import type { EntityDefinition } from '../entities/entityDefinition.ts';
import { queueTask } from '../queue/queueTask.ts';
import { DEFERRED_CHUNK } from '../queue/tasks.ts';
import type { StagingTables } from './stagingTables.ts';

/**
 * Runs once the whole file is staged, in the transaction that ends staging. Among the deferred rows
 * (the key filter had maybe seen their key), every row whose key has an earlier valid row anywhere
 * in the file becomes DUPLICATE_IN_FILE; the rest (the filter's false positives) stay valid. Then
 * one extra merge task takes all deferred rows. Returns the number of chunks queued (0 or 1).
 *
 * INVARIANT: the first valid occurrence of a key in the file is never deferred (the filter had not
 * seen it), so it is merged by its own chunk, and every later one is reported here.
 * Deterministic: a restage after a crash recomputes exactly the same errors.
 */
export async function settleDeferred(db: pg.ClientBase, job: { id: string; workspaceId: string }, entity: EntityDefinition, t: StagingTables): Promise<number> {
  const jobId = job.id;
  const key = `"${entity.key}"`;
  const deferred = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t.rows} WHERE deferred`);
  const rows = deferred.rows[0].n;
  if (rows === 0) return 0;
  // A key's earlier rows are in staging, or (chunks merged by the direct path, directChunk.ts) only
  // in the entity's table, written by this import: its import_row is the file row. LATERAL … LIMIT 1
  // (the key is unique per workspace) keeps that an index probe per deferred key: joined plainly, the
  // planner, which expects few rows of a workspace it has no statistics for, scanned the workspace's
  // rows once per key (a 5,000,000-row import sat at 99.9% for over 13 minutes on 2,734 deferred keys).
  await db.query(
    `WITH dk AS (SELECT DISTINCT ${key} AS key FROM ${t.rows} WHERE deferred AND ok),
       earlier AS (SELECT r.${key} AS key, r.row_no FROM ${t.rows} r JOIN dk ON dk.key = r.${key} WHERE r.ok
                   UNION ALL
                   SELECT dk.key, e.import_row FROM dk CROSS JOIN LATERAL (
                     SELECT e.import_row FROM "${entity.table}" e
                     WHERE e.workspace_id = $1 AND e.${key} = dk.key COLLATE "default" AND e.import_job_id = $2 AND e.import_row IS NOT NULL
                     LIMIT 1) e),
       firsts AS (SELECT key, min(row_no) AS first_row FROM earlier GROUP BY key),
       d AS (UPDATE ${t.rows} r SET ok = false FROM firsts f WHERE r.deferred AND r.ok AND r.${key} = f.key AND r.row_no <> f.first_row
             RETURNING r.row_no, f.key::text AS key, f.first_row)
     INSERT INTO ${t.errs} (row_no, col, code, message, value, deferred)
     SELECT row_no, '${entity.key}', 'DUPLICATE_IN_FILE', '${entity.key} ''' || key || ''' already appears in row ' || first_row, key, true FROM d`,
    [job.workspaceId, job.id],
  );
  await queueTask(db, 'import_merge', { jobId, chunk: DEFERRED_CHUNK, fromRow: 0, toRow: 2_147_483_647, rows, deferred: true });
  return 1;
}
