import { PassThrough, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type pg from 'pg';
import { entityByName } from '../entities/registry.ts';
import type { ExportJob, JobRecord } from '../jobs/jobRecord.ts';
import { completeExport } from '../jobs/state/completeExport.ts';
import { JobNoLongerMine } from '../jobs/state/jobNoLongerMine.ts';
import { recordExportProgress } from '../jobs/state/recordExportProgress.ts';
import { HandBack, type TaskLease } from '../jobs/taskLease.ts';
import { withTransaction } from '../db/pool.ts';
import type { BlobStore } from '../storage/blobStore.ts';
import type { ExportOptions } from './exportRequest.ts';
import { copySql, countSql } from './exportSql.ts';
import { countInSnapshot } from './countInSnapshot.ts';
import { CopyOutStream, UNCHANGED } from './copyOutStream.ts';
import { excelCompatible, FormulaGuard } from './exportStreams.ts';

export interface ExportDeps {
  pool: pg.Pool;
  store: BlobStore;
  /** Called with the job after each progress write. */
  onProgress: (job: JobRecord) => Promise<void>;
  /** @default 500 */
  progressIntervalMs?: number;
  /** zlib level of `gzip: true` exports, 1 (fastest) to 9 (smallest). @default 1 */
  gzipLevel?: number;
}

/** Why a running COPY was abandoned: the job was cancelled, or the process is shutting down. */
class ExportStopped extends Error {
  constructor(readonly why: 'cancelled' | 'shutdown') {
    super(why === 'cancelled' ? 'the export was cancelled' : 'the worker is shutting down');
  }
}

export function exportFileKey(job: Pick<JobRecord, 'id' | 'workspaceId'>, o: ExportOptions): string {
  return `exports/${job.workspaceId}/${job.id}.${o.format === 'JSONL' ? 'jsonl' : 'csv'}${o.gzip ? '.gz' : ''}`;
}

/**
 * Writes one export to the blob store, streaming: PostgreSQL's COPY feeds the file through a reader
 * that counts rows (progress) and guards formula cells, then format transforms and gzip, never
 * holding the result set in memory.
 *
 * INVARIANT: the count and the rows come from ONE REPEATABLE READ snapshot, so totalRows is exact
 * and an import writing meanwhile never makes the file half old, half new. The file is published
 * (atomically, by BlobStore.put) only when complete; a cancelled export leaves no file.
 * Returns the completed job. Throws JobNoLongerMine when the job was cancelled or the task lost,
 * HandBack when the process shuts down (the export starts over elsewhere from a fresh snapshot).
 */
export async function runExport(deps: ExportDeps, job: ExportJob, lease: TaskLease): Promise<JobRecord> {
  const o = job.options;
  const entity = entityByName(job.entity);
  const key = exportFileKey(job, o);
  const client = await deps.pool.connect();
  let clientBroken = false;
  let timer: NodeJS.Timeout | undefined;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const snapshot = (await client.query<{ s: string }>('SELECT pg_export_snapshot() AS s')).rows[0]!.s;

    // The formula guard runs inside the COPY reader, on the socket's bytes: no stage copies them again.
    const filter = o.format === 'CSV' && !o.rawCells ? new FormulaGuard() : UNCHANGED;
    const copy = client.query(new CopyOutStream(copySql(entity, job.workspaceId, o), filter));
    const stages: Transform[] = [];
    if (o.excelCompatible) stages.push(excelCompatible());
    // Large output chunks: zlib's default 16 KiB means six times as many writes to the file.
    if (o.gzip) stages.push(createGzip({ level: deps.gzipLevel ?? 1, chunkSize: 256 * 1024 }));
    const out = new PassThrough();

    // One CopyData message per row, and one for the CSV header.
    const header = o.format === 'CSV' ? 1 : 0;
    // The exact total, counted beside the COPY in its snapshot; progress is written once it is known.
    let total: number | null = null;
    // Progress writes run one after another. The first (right after the count) also finds a job that
    // was cancelled before the COPY began.
    let writing = Promise.resolve();
    const report = () => {
      writing = writing
        .then(async () => {
          if (lease.stopRequested) return void copy.destroy(new ExportStopped('shutdown'));
          if (total === null) return;
          const j = await recordExportProgress(deps.pool, job.id, Math.min(total, Math.max(0, copy.rows - header)), total);
          if (!j) copy.destroy(new ExportStopped('cancelled'));
          else await deps.onProgress(j);
        })
        .catch(() => undefined);
    };
    const counting = countInSnapshot(deps.pool, snapshot, countSql(entity, job.workspaceId, o)).then(
      (n) => {
        total = n;
        report();
      },
      (err: Error) => {
        copy.destroy(err);
        throw err;
      },
    );
    timer = setInterval(report, deps.progressIntervalMs ?? 500);

    try {
      await Promise.all([pipeline([copy, ...stages, out]), deps.store.put(key, out), counting]);
    } catch (err) {
      clientBroken = true; // a COPY abandoned half-way leaves the connection unusable
      const stopped = err instanceof ExportStopped ? err : (err as Error).cause instanceof ExportStopped ? ((err as Error).cause as ExportStopped) : null;
      if (stopped?.why === 'shutdown') throw new HandBack('the worker is shutting down: the export starts over on another worker');
      if (stopped) throw new JobNoLongerMine('job-ended');
      throw err;
    } finally {
      clearInterval(timer);
      await writing;
    }
    await client.query('COMMIT');
    // Settled: the COPY's own count ("COPY n") has arrived before its transaction could commit.
    const rows = total as number | null;
    if (rows === null || copy.rowCount !== rows) {
      await deps.store.delete(key);
      throw new Error(`export ${job.id}: the COPY wrote ${copy.rowCount} rows in the snapshot where the count found ${rows}`);
    }

    const done = await withTransaction(deps.pool, async (db) => {
      await lease.assertHeld(db);
      return completeExport(db, job.id, key, rows);
    }).catch(async (err: unknown) => {
      await deps.store.delete(key); // no file for an export that did not complete here
      throw err;
    });
    if (!done) {
      await deps.store.delete(key); // cancelled at the last moment: no file for a cancelled job
      throw new JobNoLongerMine('job-ended');
    }
    return done;
  } finally {
    if (timer) clearInterval(timer);
    if (!clientBroken) await client.query('ROLLBACK').catch(() => undefined);
    client.release(clientBroken);
  }
}
