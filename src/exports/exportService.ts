import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Viewer } from '../auth/tokens.ts';
import { entityByName } from '../entities/registry.ts';
import { assertCanWrite } from '../jobs/jobAccess.ts';
import { findByIdempotencyKey, idempotencyKeyOf } from '../jobs/idempotencyKey.ts';
import { createQueuedJob } from '../jobs/state/createQueuedJob.ts';
import type { JobRecord } from '../jobs/jobRecord.ts';
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
  const idempotencyKey = idempotencyKeyOf(input.idempotencyKey);
  const jobId = randomUUID();
  const created = await createQueuedJob(deps.pool, {
    id: jobId,
    workspaceId: viewer.workspaceId,
    kind: 'EXPORT',
    entity: entity.name,
    idempotencyKey,
    options,
  });
  return created ?? (await findByIdempotencyKey(deps.pool, viewer.workspaceId, idempotencyKey!))!;
}
