import type pg from 'pg';
import type { EntityDefinition } from '../entities/entityDefinition.ts';

/**
 * Rows a workspace holds per entity: `workspace_usage`, changed in the same transaction as the rows
 * it counts, so it always equals count(*) of the entity's table for the workspace, whatever mix of
 * imports, cancels, reverts and crashes happened.
 */

/**
 * Locks the workspace's usage row for the entity until commit and returns the rows it holds.
 * INVARIANT: every merge of a workspace with a row limit takes this lock BEFORE deciding which rows
 * fit, so two imports racing in one workspace decide one after the other, each seeing what the
 * other committed: the limit can never be overshot.
 */
export async function lockUsage(db: pg.ClientBase, workspaceId: string, entity: string): Promise<number> {
  await db.query(`INSERT INTO workspace_usage (workspace_id, entity, rows) VALUES ($1, $2, 0) ON CONFLICT DO NOTHING`, [workspaceId, entity]);
  const { rows } = await db.query<{ rows: string }>(`SELECT rows FROM workspace_usage WHERE workspace_id = $1 AND entity = $2 FOR UPDATE`, [
    workspaceId,
    entity,
  ]);
  return Number(rows[0].rows);
}

/** Adds (or, negative, subtracts) rows to the workspace's usage, in the transaction that wrote them. */
export async function addUsage(db: pg.ClientBase, workspaceId: string, entity: string, delta: number): Promise<void> {
  if (delta === 0) return;
  await db.query(
    `INSERT INTO workspace_usage (workspace_id, entity, rows) VALUES ($1, $2, $3)
     ON CONFLICT (workspace_id, entity) DO UPDATE SET rows = workspace_usage.rows + EXCLUDED.rows`,
    [workspaceId, entity, delta],
  );
}

/**
 * The staged rows of a range that would be NEW rows (their key is not in the workspace yet), in row
 * order, past the first `room` of them: the rows the quota refuses. Updates of existing rows never
 * count against the quota.
 */
export async function rowsPastQuota(
  db: pg.ClientBase,
  entity: EntityDefinition,
  stagingRows: string,
  range: { fromRow: number; toRow: number; deferred: boolean },
  workspaceId: string,
  room: number,
): Promise<Array<{ row: number; key: string }>> {
  const key = `"${entity.key}"`;
  const { rows } = await db.query<{ row: number; key: string }>(
    `SELECT s.row_no AS row, s.${key}::text AS key FROM ${stagingRows} s
     WHERE s.row_no BETWEEN $1 AND $2 AND s.ok AND s.deferred = $3
       AND NOT EXISTS (SELECT 1 FROM "${entity.table}" e WHERE e.workspace_id = $4 AND e.${key} = s.${key} COLLATE "default")
     ORDER BY s.row_no OFFSET $5`,
    [range.fromRow, range.toRow, range.deferred, workspaceId, Math.max(0, room)],
  );
  return rows;
}
