import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { withTransaction } from '../db/pool.ts';
import type { ChunkBuffer } from './chunkBuffer.ts';
import type { MergeChunkPayload } from './mergeChunk.ts';
import type { StagingTables } from './stagingTables.ts';

export class JobNoLongerRunning extends Error {}

async function copyInto(db: pg.ClientBase, sql: string, data: Buffer | string): Promise<void> {
  if (data.length === 0) return;
  await pipeline(Readable.from([data]), db.query(copyFrom(sql)));
}

/**
 * Stages one chunk and queues its merge, in ONE transaction: the staged rows and errors, the job's
 * staging counters and the merge task commit together, so a stage task that dies resumes after the
 * last committed chunk without staging a row twice.
 */
export async function stageChunk(pool: pg.Pool, job: { id: string; maxAttempts: number }, t: StagingTables, c: ChunkBuffer): Promise<void> {
  await withTransaction(pool, async (db) => {
    // Safe: a commit lost in a crash takes its whole chunk with it, and the task redoes it.
    await db.query('SET LOCAL synchronous_commit = off');
    const cols = c.entity.columns.map((col) => `"${col.name}"`).join(', ');
    await copyInto(db, `COPY ${t.rows} (row_no, ok, deferred, ${cols}) FROM STDIN`, c.rowsCopy.contents());
    await copyInto(db, `COPY ${t.errs} (row_no, col, code, message, value) FROM STDIN`, c.errsCopy.join(''));
    const cursor = await db.query(
      `UPDATE jobs SET staged_chunks = staged_chunks + 1, staged_rows = staged_rows + $2, staged_bytes = $3, updated_at = now()
       WHERE id = $1 AND status = 'RUNNING'`,
      [job.id, c.rowCount, c.bytesRead],
    );
    if (cursor.rowCount === 0) throw new JobNoLongerRunning();
    const payload: MergeChunkPayload = { jobId: job.id, chunk: c.chunk, fromRow: c.fromRow, toRow: c.toRow, rows: c.rowCount - c.deferredCount, deferred: false };
    await db.query(`SELECT graphile_worker.add_job('import_merge', $1::json, job_key := $2, max_attempts := $3)`, [
      JSON.stringify(payload),
      `import:${job.id}:merge:${c.chunk}`,
      job.maxAttempts,
    ]);
  });
}
