import { PassThrough, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { entityByName } from '../entities/registry.ts';
import type { JobRecord } from '../jobs/jobRecord.ts';
import { JOB_COLUMNS } from '../jobs/jobRecord.ts';
import type { BlobStore } from '../storage/blobStore.ts';
import type { ExportOptions } from './exportRequest.ts';
import { copySql, countSql } from './exportSql.ts';
import { copyTextToJsonLines, CsvCellGuard, excelCompatible, RecordCounter } from './exportStreams.ts';

export interface ExportDeps {
  pool: pg.Pool;
  store: BlobStore;
  /** Called with the job after each progress write. */
  onProgress: (job: JobRecord) => Promise<void>;
  /** @default 500 */
  progressIntervalMs?: number;
}

class ExportStopped extends Error {}

export function exportFileKey(job: Pick<JobRecord, 'id' | 'workspaceId'>, o: ExportOptions): string {
  return `exports/${job.workspaceId}/${job.id}.${o.format === 'JSONL' ? 'jsonl' : 'csv'}${o.gzip ? '.gz' : ''}`;
}

/**
 * Writes one export to the blob store, streaming: PostgreSQL's COPY feeds the file through a
 * counter (progress), format transforms and gzip, never holding the result set in memory.
 *
 * INVARIANT: the count and the rows come from ONE REPEATABLE READ snapshot, so totalRows is exact
 * and an import writing meanwhile never makes the file half old, half new. The file is published
 * (atomically, by BlobStore.put) only when complete; a cancelled export leaves no file.
 * Returns the completed job, or null when the job was cancelled or had ended.
 */
export async function runExport(deps: ExportDeps, job: JobRecord): Promise<JobRecord | null> {
  const o = job.options as ExportOptions;
  const entity = entityByName(job.entity);
  const key = exportFileKey(job, o);
  const client = await deps.pool.connect();
  let clientBroken = false;
  let timer: NodeJS.Timeout | undefined;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const total = (await client.query<{ n: number }>(countSql(entity, job.workspaceId, o))).rows[0].n;
    const started = await writeProgress(deps.pool, job.id, 0, total);
    if (!started) return null;
    await deps.onProgress(started);

    const copy = client.query(copyTo(copySql(entity, job.workspaceId, o)));
    const counter = o.format === 'CSV' && !o.rawCells ? new CsvCellGuard() : new RecordCounter(o.format === 'CSV');
    const stages: Transform[] = [counter];
    if (o.format === 'JSONL') stages.push(copyTextToJsonLines());
    if (o.excelCompatible) stages.push(excelCompatible());
    if (o.gzip) stages.push(createGzip());
    const out = new PassThrough();

    const header = o.format === 'CSV' ? 1 : 0;
    let writing = Promise.resolve();
    timer = setInterval(() => {
      writing = writing.then(async () => {
        const j = await writeProgress(deps.pool, job.id, Math.min(total, Math.max(0, counter.records - header)), total);
        if (!j) copy.destroy(new ExportStopped('the export was cancelled'));
        else await deps.onProgress(j);
      }).catch(() => undefined);
    }, deps.progressIntervalMs ?? 500);

    try {
      await Promise.all([pipeline([copy, ...stages, out]), deps.store.put(key, out)]);
    } catch (err) {
      clientBroken = true; // a COPY abandoned half-way leaves the connection unusable
      if (err instanceof ExportStopped || (err as Error).cause instanceof ExportStopped) return null;
      throw err;
    } finally {
      clearInterval(timer);
      await writing;
    }
    await client.query('COMMIT');

    const { rows } = await deps.pool.query<JobRecord>(
      `UPDATE jobs SET status = 'COMPLETED', result_key = $2, total_rows = $3, processed_rows = $3, succeeded_rows = $3,
         percent = 100, completed_at = now(), updated_at = now()
       WHERE id = $1 AND status = 'RUNNING' RETURNING ${JOB_COLUMNS}`,
      [job.id, key, total],
    );
    if (rows.length === 0) {
      await deps.store.delete(key); // cancelled at the last moment: no file for a cancelled job
      return null;
    }
    return rows[0];
  } finally {
    if (timer) clearInterval(timer);
    if (!clientBroken) await client.query('ROLLBACK').catch(() => undefined);
    client.release(clientBroken);
  }
}

async function writeProgress(pool: pg.Pool, jobId: string, processed: number, total: number): Promise<JobRecord | null> {
  const { rows } = await pool.query<JobRecord>(
    `UPDATE jobs SET total_rows = $3, processed_rows = GREATEST(processed_rows, $2), succeeded_rows = GREATEST(succeeded_rows, $2),
       percent = GREATEST(percent, CASE WHEN $3 > 0 THEN LEAST(99.99, 100.0 * $2 / $3) ELSE 0 END), updated_at = now()
     WHERE id = $1 AND status = 'RUNNING' RETURNING ${JOB_COLUMNS}`,
    [jobId, processed, total],
  );
  return rows[0] ?? null;
}
