import type pg from 'pg';
import { encodingOfJob } from '../csv/fileEncoding.ts';
import type { EntityDefinition } from '../entities/entityDefinition.ts';
import { entityByName } from '../entities/registry.ts';
import type { ImportJob, JobRecord } from '../jobs/jobRecord.ts';
import { recordHeader } from '../jobs/state/recordHeader.ts';
import { PermanentFailure } from '../jobs/permanentFailure.ts';
import { HandBack, type TaskLease } from '../jobs/taskLease.ts';
import type { BlobStore } from '../storage/blobStore.ts';
import type { ChunkBuffer } from './chunkBuffer.ts';
import { CountingSource } from './countingSource.ts';
import { completeStaging } from './completeStaging.ts';
import { KeyFilter, keyFilterBitsFor } from './keyFilter.ts';
import { parseChunks, type ChunkingPlan } from './parseChunks.ts';
import { parseInThread } from './parseInThread.ts';
import { stageChunk } from './stageChunk.ts';
import { StagingLost } from './stagingLost.ts';
import { planStaging } from './stagingPlan.ts';
import { createLedger } from './importLedger.ts';
import { createStagingTables, type StagingTables } from './stagingTables.ts';
import { directAllowed, type DirectRefusal } from './directChunk.ts';
import type { LimitDefaults } from '../workspaces/workspaceLimits.ts';

export interface StageDeps {
  pool: pg.Pool;
  store: BlobStore;
  /** Used when the import is first staged; a resumed or repaired one keeps the sizes it started with. */
  chunkSize: number;
  maxChunkBytes: number;
  /** Row errors kept per job (MAX_ROW_ERRORS). */
  maxRowErrors: number;
  /** log2 of the key filter's size in bits (see keyFilter.ts). */
  keyFilterBits: number;
  /** The service's default limits (a workspace's own override them): a row quota turns the direct path off. */
  limits: LimitDefaults;
  /** Try the direct path at all (DIRECT_CHUNKS). */
  directChunks: boolean;
  /** Files of at least this many bytes are parsed in a thread of their own (PARSE_THREAD_MIN_BYTES). */
  parseThreadMinBytes: number;
  /** Called when this task finds staging emptied by a crash and restages the whole file. */
  onRepair?: (reason: StagingLost) => void;
  /** Called after each chunk merged by the direct path commits, with the job as it left it. */
  onChunkMerged?: (job: JobRecord, chunk: ChunkBuffer) => Promise<void>;
  /** Called when PostgreSQL refused the direct path's COPY (this chunk and the rest are staged and merged). */
  onDirectRefused?: (why: DirectRefusal, chunk: ChunkBuffer) => void;
}

export type StageOutcome = { kind: 'staged'; job: JobRecord | null } | { kind: 'rejected'; reason: string };

/**
 * Reads the stored file once, validates every record and stages it chunk by chunk, queueing each
 * chunk's merge as soon as it commits (merges run while the rest of the file is still being read).
 * Resumable and repairable (see stagingPlan.ts); stops at a chunk boundary when the lease asks.
 * Memory stays flat: a few chunks of encoded rows at most (see parseChunks.ts, parseInThread.ts).
 * A large file is parsed in a thread of its own: this thread then only commits, so PostgreSQL's
 * answers are read at once instead of after the parser's next batch, and both cores work.
 * Throws JobNoLongerMine when the job ends or the task is lost, HandBack when asked to stop.
 */
export async function stageFile(deps: StageDeps, job: ImportJob, lease: TaskLease): Promise<StageOutcome> {
  const { pool } = deps;
  const entity = entityByName(job.entity);
  const t = await createStagingTables(pool, job.id, entity);
  if (!job.dryRun) await createLedger(pool, job.id);
  const plan = await planStaging(pool, job, t);
  if (plan.mode === 'repair') deps.onRepair?.(new StagingLost(job.id, 'found when the stage task started'));
  // Staged already, and staging is intact: the merges finish the job.
  if (job.totalChunks !== null && plan.mode !== 'repair') return { kind: 'staged', job: null };
  const chunkSize = job.options.chunkSize ?? deps.chunkSize;
  const maxChunkBytes = job.options.maxChunkBytes ?? deps.maxChunkBytes;
  // Recorded with the header, so a resumed task refills a filter of the same size (any size would be
  // correct: refillFilter re-adds every staged key, and the size only trades memory for deferred rows).
  const keyFilterBits = job.options.keyFilterBits ?? keyFilterBitsFor(job.fileBytes === null ? null : Number(job.fileBytes), deps.keyFilterBits);
  const filter = new KeyFilter(keyFilterBits);
  if (plan.mode === 'resume') await refillFilter(pool, t, job, entity, filter);
  // Chunks go straight into the entity's table until one meets an existing key (directChunk.ts). Not
  // while repairing: the chunks counted before the crash are restaged, not merged again.
  const control = { direct: deps.directChunks && plan.mode !== 'repair' && (await directAllowed(pool, job, deps.limits)) };
  const directSettings = { maxRowErrors: deps.maxRowErrors, limits: deps.limits };
  const chunking: ChunkingPlan = {
    entity: entity.name,
    encoding: encodingOfJob(job.encoding),
    mapping: job.options.mapping,
    chunkSize,
    maxChunkBytes,
    keyFilterBits,
    maxRowErrors: deps.maxRowErrors,
    // Row errors staged so far count against MAX_ROW_ERRORS (a resumed task counts what staging holds).
    errorsKept: plan.mode === 'resume' ? await countStagedErrors(pool, t) : 0,
    resumeAfterRow: plan.resumeAfterRow,
    // Chunks are numbered in file order; a resumed stage task goes on from the count already staged.
    firstChunk: plan.mode === 'resume' ? job.stagedChunks : 0,
    direct: { workspaceId: job.workspaceId, jobId: job.id },
  };
  let chunksStaged = 0;
  let inFlight: Promise<void> = Promise.resolve();

  const flush = async (c: ChunkBuffer) => {
    await inFlight; // one chunk commits while the next is parsed; never two commits at once
    if (lease.stopRequested) throw new HandBack(); // everything up to here is committed
    const count = chunksStaged++ >= plan.countedChunks;
    inFlight = stageChunk(pool, job, t, c, lease, { count, errorsDropped: c.errorsDropped, direct: control.direct ? directSettings : null })
      .then(async (outcome) => {
        if (outcome.kind === 'staged') {
          if (control.direct && outcome.directRefused) deps.onDirectRefused?.(outcome.directRefused, c);
          control.direct = false; // refused once: this import has met existing keys
        } else if (outcome.job) await deps.onChunkMerged?.(outcome.job, c);
      })
      .finally(() => c.recycle?.()); // the transaction has ended: nothing reads the chunk's rows any more
    // Attach a handler now; the error resurfaces at the next await of inFlight.
    inFlight.catch(() => undefined);
  };

  const threaded = Number(job.fileBytes ?? 0) >= deps.parseThreadMinBytes; // a thread takes tens of ms to start
  const local = threaded ? await deps.store.localFile?.(job.fileKey!) : null;
  const source = local ? null : new CountingSource(deps.store.read(job.fileKey!));
  const parsed = !threaded
    ? parseChunks(source!, chunking, filter, control)
    : parseInThread(local ? { path: local.path } : { source: source! }, chunking, filter, control);
  try {
    let bytesRead = -1;
    for await (const ev of parsed) {
      if (ev.kind === 'rejected') return { kind: 'rejected', reason: ev.reason };
      if (ev.kind === 'header') await recordHeader(pool, job.id, { ...ev.header, chunkSize, maxChunkBytes, keyFilterBits });
      else if (ev.kind === 'chunk') await flush(ev.chunk);
      else bytesRead = ev.bytesRead;
    }
    if (bytesRead < 0) throw new Error('the file parser stopped before the end of the file');
    await inFlight;
    const done = await completeStaging(pool, job, entity, t, bytesRead, lease);
    return { kind: 'staged', job: done };
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') {
      throw new PermanentFailure('the uploaded file no longer exists in storage (deleted after the retention period?): upload it again', { cause: err });
    }
    throw err;
  } finally {
    await inFlight.catch(() => undefined);
    await parsed.return(undefined).catch(() => undefined);
    await source?.close();
  }
}

async function countStagedErrors(pool: pg.Pool, t: StagingTables): Promise<number> {
  return (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t.errs}`)).rows[0].n;
}

/**
 * A retried stage task: the filter must know every key staged before it resumes (paged, flat memory):
 * those in staging, and those a direct chunk wrote straight into the entity's table.
 */
async function refillFilter(pool: pg.Pool, t: StagingTables, job: ImportJob, entity: EntityDefinition, filter: KeyFilter): Promise<void> {
  let after = 0;
  for (;;) {
    const { rows } = await pool.query<{ row_no: number; key: string }>(
      `SELECT row_no, "${entity.key}"::text AS key FROM ${t.rows} WHERE ok AND row_no > $1 ORDER BY row_no LIMIT 20000`,
      [after],
    );
    if (rows.length === 0) break;
    for (const r of rows) filter.testAndAdd(r.key);
    after = rows[rows.length - 1].row_no;
  }
  let afterId = '0';
  for (;;) {
    const { rows } = await pool.query<{ id: string; key: string }>(
      `SELECT id, "${entity.key}"::text AS key FROM "${entity.table}" WHERE workspace_id = $1 AND import_job_id = $2 AND id > $3 ORDER BY id LIMIT 20000`,
      [job.workspaceId, job.id, afterId],
    );
    if (rows.length === 0) return;
    for (const r of rows) filter.testAndAdd(r.key);
    afterId = rows[rows.length - 1].id;
  }
}
