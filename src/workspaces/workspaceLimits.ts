import type pg from 'pg';
import type { Config } from '../config.ts';
import { allEntities } from '../entities/registry.ts';

/** A workspace's limits as they apply: its own where set, the service's defaults otherwise. */
export interface WorkspaceLimits {
  maxConcurrentJobs: number;
  maxUploadBytes: number;
  /** Per entity (GraphQL Entity name); null: no limit. */
  maxRows: Record<string, number | null>;
}

/** What a workspace has set itself (null: the default applies). */
export interface OwnLimits {
  maxConcurrentJobs: number | null;
  maxUploadBytes: number | null;
  maxRows: Record<string, number>;
}

/** The service's defaults, from config. */
export type LimitDefaults = Pick<Config, 'workspaceMaxConcurrentJobs' | 'maxUploadBytes' | 'workspaceMaxRows'>;

export function effectiveLimits(defaults: LimitDefaults, own: OwnLimits): WorkspaceLimits {
  return {
    maxConcurrentJobs: own.maxConcurrentJobs ?? defaults.workspaceMaxConcurrentJobs,
    // A workspace may be allowed less than the service accepts, never more.
    maxUploadBytes: Math.min(defaults.maxUploadBytes, own.maxUploadBytes ?? defaults.maxUploadBytes),
    maxRows: Object.fromEntries(allEntities().map((e) => [e.name, own.maxRows[e.name] ?? defaults.workspaceMaxRows ?? null])),
  };
}

export async function loadOwnLimits(db: pg.Pool | pg.ClientBase, workspaceId: string): Promise<OwnLimits> {
  const { rows } = await db.query<OwnLimits>(
    `SELECT max_concurrent_jobs AS "maxConcurrentJobs", max_upload_bytes AS "maxUploadBytes", max_rows AS "maxRows" FROM workspaces WHERE id = $1`,
    [workspaceId],
  );
  return rows[0] ?? { maxConcurrentJobs: null, maxUploadBytes: null, maxRows: {} };
}

export async function loadLimits(db: pg.Pool | pg.ClientBase, defaults: LimitDefaults, workspaceId: string): Promise<WorkspaceLimits> {
  return effectiveLimits(defaults, await loadOwnLimits(db, workspaceId));
}

export interface WorkspaceUsage {
  runningJobs: number;
  queuedJobs: number;
  /** Rows held per entity (GraphQL Entity name). */
  rows: Record<string, number>;
}

export async function loadUsage(db: pg.Pool | pg.ClientBase, workspaceId: string): Promise<WorkspaceUsage> {
  const jobs = await db.query<{ running: number; queued: number }>(
    `SELECT count(*) FILTER (WHERE status = 'RUNNING')::int AS running, count(*) FILTER (WHERE status = 'QUEUED')::int AS queued
     FROM jobs WHERE workspace_id = $1`,
    [workspaceId],
  );
  const usage = await db.query<{ entity: string; rows: number }>(`SELECT entity, rows FROM workspace_usage WHERE workspace_id = $1`, [workspaceId]);
  const rows = Object.fromEntries(allEntities().map((e) => [e.name, 0]));
  for (const u of usage.rows) rows[u.entity] = Number(u.rows);
  return { runningJobs: jobs.rows[0].running, queuedJobs: jobs.rows[0].queued, rows };
}

export interface LimitChanges {
  /** A number sets it; null clears it (back to the default). Absent: unchanged. */
  maxConcurrentJobs?: number | null;
  maxUploadBytes?: number | null;
  maxRows?: Record<string, number | null>;
}

/** Changes a workspace's own limits (creating the workspace if needed); returns its id. */
export async function setOwnLimits(db: pg.Pool | pg.ClientBase, workspaceName: string, c: LimitChanges): Promise<string> {
  const rowsPatch = Object.fromEntries(Object.entries(c.maxRows ?? {}).filter(([, v]) => v !== null));
  const rowsCleared = Object.entries(c.maxRows ?? {})
    .filter(([, v]) => v === null)
    .map(([k]) => k);
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO workspaces (id, name) VALUES (gen_random_uuid(), $1) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
    [workspaceName],
  );
  const id = rows[0].id;
  await db.query(
    `UPDATE workspaces SET
       max_concurrent_jobs = CASE WHEN $2 THEN $3::int ELSE max_concurrent_jobs END,
       max_upload_bytes = CASE WHEN $4 THEN $5::bigint ELSE max_upload_bytes END,
       max_rows = (max_rows - $6::text[]) || $7::jsonb
     WHERE id = $1`,
    [
      id,
      c.maxConcurrentJobs !== undefined,
      c.maxConcurrentJobs ?? null,
      c.maxUploadBytes !== undefined,
      c.maxUploadBytes ?? null,
      rowsCleared,
      JSON.stringify(rowsPatch),
    ],
  );
  return id;
}
