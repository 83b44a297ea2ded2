import type pg from 'pg';
import { withTransaction } from '../../db/pool.ts';
import { queueTask } from '../../queue/queueTask.ts';
import type { ExportOptions, ImportOptions } from '../jobOptions.ts';
import { JOB_COLUMNS, type JobRecord } from '../jobRecord.ts';
import type { DuplicateStrategy } from '../jobStatus.ts';

interface NewJobFields {
  id: string;
  workspaceId: string;
  entity: string;
  idempotencyKey: string | null;
}

export type NewJob =
  | (NewJobFields & {
      kind: 'IMPORT';
      fileName: string;
      fileKey: string;
      fileBytes: number;
      duplicateStrategy: DuplicateStrategy;
      /** The file's text encoding, detected or forced (src/csv/fileEncoding.ts). */
      encoding: string;
      /** Validate only: the whole pipeline runs, nothing is written to the entity table. */
      dryRun: boolean;
      /** What startImport knows already (its mapping); the stage task adds what the header tells. */
      options?: ImportOptions;
    })
  | (NewJobFields & { kind: 'EXPORT'; options: ExportOptions })
  | (NewJobFields & { kind: 'REVERT'; revertsJobId: string });

/** The task that starts a job of each kind. */
const FIRST_TASK = { IMPORT: 'import_stage', EXPORT: 'export_run', REVERT: 'revert_run' } as const;

/**
 * Records a QUEUED job and queues its first task (import_stage, export_run, revert_run) in ONE transaction:
 * a job never exists without the task that will move it. Null when the workspace already has a job
 * with this idempotency key.
 */
export async function createQueuedJob(pool: pg.Pool, job: NewJob): Promise<JobRecord | null> {
  return withTransaction(pool, async (db) => {
    const imp = job.kind === 'IMPORT' ? job : undefined;
    const { rows } = await db.query<JobRecord>(
      `INSERT INTO jobs (id, workspace_id, kind, entity, status, idempotency_key, file_name, file_key, file_bytes, duplicate_strategy, options, encoding, dry_run, reverts_job_id)
       VALUES ($1, $2, $3, $4, 'QUEUED', $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT (workspace_id, idempotency_key) DO NOTHING RETURNING ${JOB_COLUMNS}`,
      [
        job.id,
        job.workspaceId,
        job.kind,
        job.entity,
        job.idempotencyKey,
        imp?.fileName ?? null,
        imp?.fileKey ?? null,
        imp?.fileBytes ?? null,
        imp?.duplicateStrategy ?? null,
        JSON.stringify(job.kind === 'REVERT' ? {} : (job.options ?? {})),
        imp?.encoding ?? null,
        imp?.dryRun ?? false,
        job.kind === 'REVERT' ? job.revertsJobId : null,
      ],
    );
    if (rows.length === 0) return null;
    await queueTask(db, FIRST_TASK[job.kind], { jobId: job.id });
    return rows[0];
  });
}
