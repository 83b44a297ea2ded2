import type pg from 'pg';
import type { Viewer } from '../auth/tokens.ts';
import { allEntities } from '../entities/registry.ts';
import { loadLimits, loadUsage, type LimitDefaults } from './workspaceLimits.ts';

export interface WorkspaceView {
  name: string;
  maxConcurrentJobs: number;
  maxUploadBytes: number;
  runningJobs: number;
  queuedJobs: number;
  rows: Array<{ entity: string; rows: number; maxRows: number | null }>;
}

/** The viewer's own workspace, its limits and usage (GraphQL `workspace`). */
export async function workspaceView(pool: pg.Pool, defaults: LimitDefaults, viewer: Viewer): Promise<WorkspaceView> {
  const [limits, usage] = await Promise.all([loadLimits(pool, defaults, viewer.workspaceId), loadUsage(pool, viewer.workspaceId)]);
  return {
    name: viewer.workspaceName,
    maxConcurrentJobs: limits.maxConcurrentJobs,
    maxUploadBytes: limits.maxUploadBytes,
    runningJobs: usage.runningJobs,
    queuedJobs: usage.queuedJobs,
    rows: allEntities().map((e) => ({ entity: e.name, rows: usage.rows[e.name] ?? 0, maxRows: limits.maxRows[e.name] ?? null })),
  };
}
