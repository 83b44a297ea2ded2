import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Viewer } from '../auth/tokens.ts';
import { withTransaction } from '../db/pool.ts';
import { entityByName } from '../entities/registry.ts';
import { badInput } from '../errors.ts';
import { assertCanWrite } from '../jobs/jobAccess.ts';
import { JOB_COLUMNS, type JobRecord } from '../jobs/jobRecord.ts';
import { toExportOptions, type StartExportInput } from './exportRequest.ts';

/** Accepts an export: validates it, records the job and queues export_run in one transaction. */
export async function startExport(
  deps: { pool: pg.Pool; jobMaxAttempts: number },
  viewer: Viewer,
  input: StartExportInput & { idempotencyKey?: string | null },
): Promise<JobRecord> {
  assertCanWrite(viewer);
  const entity = entityByName(input.entity);
  const options = toExportOptions(entity, input);
  const idempotencyKey = input.idempotencyKey?.trim() || null;
  if (idempotencyKey && idempotencyKey.length > 255) throw badInput('idempotencyKey must be at most 255 characters');
  const jobId = randomUUID();
  const created = await withTransaction(deps.pool, async (db) => {
    const { rows } = await db.query<JobRecord>(
      `INSERT INTO jobs (id, workspace_id, kind, entity, status, idempotency_key, options)
       VALUES ($1, $2, 'EXPORT', $3, 'QUEUED', $4, $5)
       ON CONFLICT (workspace_id, idempotency_key) DO NOTHING RETURNING ${JOB_COLUMNS}`,
      [jobId, viewer.workspaceId, entity.name, idempotencyKey, JSON.stringify(options)],
    );
    if (rows.length === 0) return null;
    await db.query(`SELECT graphile_worker.add_job('export_run', $1::json, job_key := $2, max_attempts := $3)`, [
      JSON.stringify({ jobId }),
      `export:${jobId}:run`,
      deps.jobMaxAttempts,
    ]);
    return rows[0];
  });
  if (created) return created;
  const { rows } = await deps.pool.query<JobRecord>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE workspace_id = $1 AND idempotency_key = $2`, [
    viewer.workspaceId,
    idempotencyKey,
  ]);
  return rows[0];
}
