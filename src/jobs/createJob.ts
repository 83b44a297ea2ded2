import type pg from 'pg';
import { withTransaction } from '../db/pool.ts';
import { checkText } from '../textInput.ts';
import { JOB_COLUMNS, type JobRecord } from './jobRecord.ts';
import type { DuplicateStrategy, JobKind } from './jobStatus.ts';

export interface NewJob {
  id: string;
  workspaceId: string;
  kind: JobKind;
  entity: string;
  idempotencyKey: string | null;
  fileName?: string;
  fileKey?: string;
  fileBytes?: number;
  duplicateStrategy?: DuplicateStrategy;
  /** Imports: the file's text encoding, detected or forced (src/csv/fileEncoding.ts). */
  encoding?: string;
  options?: unknown;
  /** The graphile-worker task that starts the job, e.g. { identifier: 'import_stage', key: 'import:<id>:stage' }. */
  task: { identifier: string; key: string };
}

/** Trimmed idempotency key, or null; BAD_USER_INPUT when too long or holding control characters. */
export function idempotencyKeyOf(raw: string | null | undefined): string | null {
  const key = raw?.trim() || null;
  return key && checkText('idempotencyKey', key, 255);
}

/**
 * Records a QUEUED job and queues its first task in ONE transaction: a job never exists without
 * the task that will move it. Null when the workspace already has a job with this idempotency key.
 */
export async function createQueuedJob(pool: pg.Pool, job: NewJob, maxAttempts: number): Promise<JobRecord | null> {
  return withTransaction(pool, async (db) => {
    const { rows } = await db.query<JobRecord>(
      `INSERT INTO jobs (id, workspace_id, kind, entity, status, idempotency_key, file_name, file_key, file_bytes, duplicate_strategy, options, encoding)
       VALUES ($1, $2, $3, $4, 'QUEUED', $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (workspace_id, idempotency_key) DO NOTHING RETURNING ${JOB_COLUMNS}`,
      [job.id, job.workspaceId, job.kind, job.entity, job.idempotencyKey, job.fileName ?? null, job.fileKey ?? null, job.fileBytes ?? null,
        job.duplicateStrategy ?? null, JSON.stringify(job.options ?? {}), job.encoding ?? null],
    );
    if (rows.length === 0) return null;
    await db.query(`SELECT graphile_worker.add_job($1, $2::json, job_key := $3, max_attempts := $4)`, [
      job.task.identifier,
      JSON.stringify({ jobId: job.id }),
      job.task.key,
      maxAttempts,
    ]);
    return rows[0];
  });
}

export async function findByIdempotencyKey(pool: pg.Pool, workspaceId: string, key: string): Promise<JobRecord | null> {
  const { rows } = await pool.query<JobRecord>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE workspace_id = $1 AND idempotency_key = $2`, [workspaceId, key]);
  return rows[0] ?? null;
}
