import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Viewer } from '../auth/tokens.ts';
import { badInput, notFound } from '../errors.ts';
import { ledgerExists } from '../imports/importLedger.ts';
import { assertCanWrite } from '../jobs/jobAccess.ts';
import { findJob } from '../jobs/importService.ts';
import { JOB_COLUMNS, type JobRecord } from '../jobs/jobRecord.ts';
import { isTerminal } from '../jobs/jobStatus.ts';
import { createQueuedJob } from '../jobs/state/createQueuedJob.ts';

/** The revert of an import that is queued, running or done (a failed or cancelled one may be tried again), or null. */
export async function activeRevertOf(db: pg.Pool, importJobId: string): Promise<JobRecord | null> {
  const { rows } = await db.query<JobRecord>(
    `SELECT ${JOB_COLUMNS} FROM jobs WHERE reverts_job_id = $1 AND status IN ('QUEUED', 'RUNNING', 'COMPLETED') ORDER BY created_at DESC LIMIT 1`,
    [importJobId],
  );
  return rows[0] ?? null;
}

/** The latest revert job of an import, whatever its status (Job.revertedBy), or null. */
export async function latestRevertOf(db: pg.Pool, importJobId: string): Promise<JobRecord | null> {
  const { rows } = await db.query<JobRecord>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE reverts_job_id = $1 ORDER BY created_at DESC LIMIT 1`, [importJobId]);
  return rows[0] ?? null;
}

/**
 * Starts undoing an import: a REVERT job, queued with its task in one transaction, that deletes the
 * rows the import inserted and puts back the values it overwrote, from the import's ledger. Asking
 * again while a revert is queued, running or done returns that revert.
 */
export async function startRevert(deps: { pool: pg.Pool }, viewer: Viewer, importJobId: string): Promise<JobRecord> {
  assertCanWrite(viewer);
  const target = await findJob(deps.pool, viewer, importJobId);
  if (!target) throw notFound(`no job with id '${importJobId}'`);
  const refuse = (reason: string, message: string) => badInput(message, { reason });
  if (target.kind === 'REVERT') throw refuse('REVERT_OF_REVERT', 'this job is itself a revert: a revert cannot be reverted (import the file again instead)');
  if (target.kind !== 'IMPORT') throw refuse('NOT_AN_IMPORT', 'only an import can be reverted');
  if (target.dryRun) throw refuse('NOTHING_TO_REVERT', 'this import was a dry run: it wrote nothing, so there is nothing to revert');
  if (!isTerminal(target.status)) throw refuse('IMPORT_RUNNING', `the import is ${target.status}: wait until it has ended (or cancel it), then revert it`);
  const existing = await activeRevertOf(deps.pool, target.id);
  if (existing) return existing;
  if (!(await ledgerExists(deps.pool, target.id))) {
    throw refuse('LEDGER_GONE', 'the undo record of this import has been deleted (FILE_RETENTION_DAYS passed): it can no longer be reverted');
  }
  try {
    return (await createQueuedJob(deps.pool, {
      id: randomUUID(),
      workspaceId: target.workspaceId,
      kind: 'REVERT',
      entity: target.entity,
      idempotencyKey: null,
      revertsJobId: target.id,
    }))!;
  } catch (err) {
    // Two requests at once: the unique index lets one revert in; the other gets it.
    if ((err as { code?: string }).code === '23505') return (await activeRevertOf(deps.pool, target.id))!;
    throw err;
  }
}
