import type pg from 'pg';
import type { CsvRecord } from '../csv/recordReader.ts';
import { describeHeaderProblem, matchHeader } from '../entities/headerMatch.ts';
import { encodingOfJob } from '../csv/fileEncoding.ts';
import type { EntityDefinition } from '../entities/entityDefinition.ts';
import { entityByName } from '../entities/registry.ts';
import { createRowValidator, type RowError } from '../entities/rowValidator.ts';
import type { ImportJob, JobRecord } from '../jobs/jobRecord.ts';
import { recordHeader } from '../jobs/state/recordHeader.ts';
import { PermanentFailure } from '../jobs/permanentFailure.ts';
import { HandBack, type TaskLease } from '../jobs/taskLease.ts';
import type { BlobStore } from '../storage/blobStore.ts';
import { ChunkBuffer } from './chunkBuffer.ts';
import { CopyBuffer } from './copyBuffer.ts';
import { CountingSource } from './countingSource.ts';
import { openCsv } from './openCsv.ts';
import { completeStaging } from './completeStaging.ts';
import { KeyFilter } from './keyFilter.ts';
import { stageChunk } from './stageChunk.ts';
import { StagingLost } from './stagingLost.ts';
import { planStaging } from './stagingPlan.ts';
import { createLedger } from './importLedger.ts';
import { createStagingTables, type StagingTables } from './stagingTables.ts';
import { directAllowed, directPrefix } from './directChunk.ts';
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
  /** Called when this task finds staging emptied by a crash and restages the whole file. */
  onRepair?: (reason: StagingLost) => void;
  /** Called after each chunk merged by the direct path commits, with the job as it left it. */
  onChunkMerged?: (job: JobRecord, chunk: ChunkBuffer) => Promise<void>;
}

export type StageOutcome = { kind: 'staged'; job: JobRecord | null } | { kind: 'rejected'; reason: string };

/**
 * Reads the stored file once, validates every record and stages it chunk by chunk, queueing each
 * chunk's merge as soon as it commits (merges run while the rest of the file is still being read).
 * Resumable and repairable (see stagingPlan.ts); stops at a chunk boundary when the lease asks.
 * Memory stays flat: at most two chunks of encoded rows are held at once.
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
  const keyFilterBits = job.options.keyFilterBits ?? deps.keyFilterBits;
  const keyIndex = entity.columns.findIndex((c) => c.name === entity.key);
  const filter = new KeyFilter(keyFilterBits);
  if (plan.mode === 'resume') await refillFilter(pool, t, job, entity, filter);
  // Chunks go straight into the entity's table until one meets an existing key (directChunk.ts). Not
  // while repairing: the chunks counted before the crash are restaged, not merged again.
  let direct = deps.directChunks && plan.mode !== 'repair' && (await directAllowed(pool, job, deps.limits));
  const prefix = directPrefix(job);
  const directSettings = { maxRowErrors: deps.maxRowErrors, limits: deps.limits };
  // Two buffers: one chunk's rows commit from one while the next chunk fills the other.
  const buffers = [new CopyBuffer(), new CopyBuffer()];
  let chunksStarted = 0;
  let chunksStaged = 0;
  // Chunks are numbered in file order; a resumed stage task goes on from the count already staged.
  let nextChunk = plan.mode === 'resume' ? job.stagedChunks : 0;
  // Row errors staged so far, against MAX_ROW_ERRORS (a resumed task counts what staging holds).
  let errorsKept = plan.mode === 'resume' ? await countStagedErrors(pool, t) : 0;

  const source = new CountingSource(deps.store.read(job.fileKey!));
  const encoding = encodingOfJob(job.encoding);
  let validate: ReturnType<typeof createRowValidator> | undefined;
  let current: ChunkBuffer | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  const errors: RowError[] = [];

  const flush = async (c: ChunkBuffer) => {
    await inFlight; // one chunk commits while the next is parsed; never two commits at once
    if (lease.stopRequested) throw new HandBack(); // everything up to here is committed
    c.bytesRead = source.bytesRead;
    const count = chunksStaged++ >= plan.countedChunks;
    inFlight = stageChunk(pool, job, t, c, lease, { count, errorsDropped: c.errorsDropped, direct: direct ? directSettings : null }).then(async (outcome) => {
      if (outcome.kind === 'staged')
        direct = false; // refused once: this import has met existing keys
      else if (outcome.job) await deps.onChunkMerged?.(outcome.job, c);
    });
    // Attach a handler now; the error resurfaces at the next await of inFlight.
    inFlight.catch(() => undefined);
  };

  try {
    const csv = await openCsv(source, encoding);
    if (csv.notCsv !== null) return { kind: 'rejected', reason: csv.notCsv };
    for await (const batch of csv.records) {
      for (const rec of batch as CsvRecord[]) {
        if (!validate) {
          if (!('fields' in rec)) return { kind: 'rejected', reason: `the header row is malformed: ${rec.malformed}` };
          // NUL cannot be stored in jsonb or text: a header cell never needs one.
          const header = rec.fields.map((f) => f.replace(/\u0000/g, ''));
          const mapping = job.options.mapping;
          const match = matchHeader(entity, header, mapping);
          const problem = describeHeaderProblem(entity, match, header, mapping !== undefined);
          if (problem) return { kind: 'rejected', reason: problem };
          await recordHeader(pool, job.id, {
            columns: match.presentColumns,
            ignoredColumns: boundedList(match.unknown),
            headerRow: rec.row,
            chunkSize,
            maxChunkBytes,
            keyFilterBits,
          });
          validate = createRowValidator(entity, match, encoding);
          continue;
        }
        if (rec.row <= plan.resumeAfterRow) continue;
        // A chunk closes at chunkSize records or maxChunkBytes, whichever comes first: the same
        // boundaries on every run over the file, so a restage cuts the same chunks.
        if (current && (current.rowCount >= chunkSize || current.bytes >= maxChunkBytes)) {
          await flush(current);
          current = undefined;
        }
        current ??= new ChunkBuffer(entity, buffers[chunksStarted++ % 2], nextChunk++, rec.row, direct ? prefix : null);
        errors.length = 0;
        if ('fields' in rec) {
          const values = validate(rec.fields, rec.row, errors);
          if (values) {
            current.addValid(rec.row, values, filter.testAndAdd(values[keyIndex] as string));
            continue;
          }
        } else {
          errors.push({ row: rec.row, column: '', code: 'MALFORMED_ROW', message: `malformed row: ${rec.malformed}`, value: rec.raw });
        }
        const kept = current.addRejected(rec.row, errors, deps.maxRowErrors - errorsKept);
        errorsKept += kept;
        if (kept < errors.length) current.errorsDropped = true;
      }
    }
    if (!validate) return { kind: 'rejected', reason: 'the file is empty: it has no header row and no data' };
    if (current) await flush(current);
    await inFlight;
    const done = await completeStaging(pool, job, entity, t, source.bytesRead, lease);
    return { kind: 'staged', job: done };
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') {
      throw new PermanentFailure('the uploaded file no longer exists in storage (deleted after the retention period?): upload it again', { cause: err });
    }
    throw err;
  } finally {
    await inFlight.catch(() => undefined);
    await source.close();
  }
}

/** What the job keeps of a file's unknown header cells: enough to show, not a second copy of a hostile header. */
function boundedList(cells: string[]): string[] {
  return cells.slice(0, 100).map((c) => (c.length > 100 ? `${c.slice(0, 100)}…` : c));
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
