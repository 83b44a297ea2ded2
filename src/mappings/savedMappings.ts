import type pg from 'pg';
import type { Viewer } from '../auth/tokens.ts';
import { checkMapping, type ColumnChoice } from '../entities/columnMapping.ts';
import { columnKey } from '../entities/headerMatch.ts';
import { entityByName } from '../entities/registry.ts';
import { badInput, forbidden } from '../errors.ts';
import { readScope } from '../jobs/jobAccess.ts';

/** A column mapping a workspace saved under a name, for one entity. */
export interface SavedMapping {
  id: string;
  workspaceId: string;
  name: string;
  entity: string;
  mapping: ColumnChoice[];
  createdAt: Date;
  updatedAt: Date;
}

/** Longest mapping name. */
export const MAX_MAPPING_NAME = 100;

const COLUMNS = `id, workspace_id AS "workspaceId", name, entity, mapping, created_at AS "createdAt", updated_at AS "updatedAt"`;

/**
 * Saves a mapping under a name for the viewer's workspace and the entity; a mapping saved earlier
 * under the same name (and entity) is replaced. Checked like startImport's mapping (fields exist, no
 * field for two columns); the columns are not checked, as no file is at hand. Members only.
 */
export async function saveMapping(pool: pg.Pool, viewer: Viewer, input: { name: string; entity: string; mapping: ColumnChoice[] }): Promise<SavedMapping> {
  if (viewer.role !== 'member') throw forbidden('the support role is read-only: it cannot save mappings');
  const entity = entityByName(input.entity);
  const name = input.name.trim();
  if (name === '' || name.length > MAX_MAPPING_NAME) {
    throw badInput(`a mapping name must have 1 to ${MAX_MAPPING_NAME} characters`, { reason: 'INVALID_MAPPING_NAME' });
  }
  checkMapping(entity, input.mapping);
  const mapping = input.mapping.map((m) => ({ column: columnKey(m.column), field: m.field }));
  const { rows } = await pool.query<SavedMapping>(
    `INSERT INTO saved_mappings (id, workspace_id, entity, name, mapping) VALUES (gen_random_uuid(), $1, $2, $3, $4)
     ON CONFLICT (workspace_id, entity, name) DO UPDATE SET mapping = EXCLUDED.mapping, updated_at = now()
     RETURNING ${COLUMNS}`,
    [viewer.workspaceId, entity.name, name, JSON.stringify(mapping)],
  );
  return rows[0];
}

/** The mappings the viewer may read (support: every workspace's), by name; of one entity when given. */
export async function listMappings(pool: pg.Pool, viewer: Viewer, entity?: string | null): Promise<SavedMapping[]> {
  const params: unknown[] = [];
  const where: string[] = [];
  const scope = readScope(viewer);
  if (scope.workspaceId) where.push(`workspace_id = $${params.push(scope.workspaceId)}`);
  if (entity) where.push(`entity = $${params.push(entity)}`);
  const { rows } = await pool.query<SavedMapping>(
    `SELECT ${COLUMNS} FROM saved_mappings ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY lower(name), name, id`,
    params,
  );
  return rows;
}

/** The viewer's workspace's mapping of this name for the entity; BAD_USER_INPUT when there is none. */
export async function findMappingByName(pool: pg.Pool, workspaceId: string, entity: string, name: string): Promise<SavedMapping> {
  const { rows } = await pool.query<SavedMapping>(`SELECT ${COLUMNS} FROM saved_mappings WHERE workspace_id = $1 AND entity = $2 AND name = $3`, [
    workspaceId,
    entity,
    name.trim(),
  ]);
  if (!rows[0]) {
    throw badInput(`no saved mapping named '${name.trim()}' for ${entity} in this workspace: save one with saveMapping, or list them with mappings(entity)`, {
      reason: 'UNKNOWN_MAPPING',
    });
  }
  return rows[0];
}
