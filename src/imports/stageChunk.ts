import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { withTransaction } from '../db/pool.ts';
import { recordStagedChunk } from '../jobs/state/recordStagedChunk.ts';
import type { TaskLease } from '../jobs/taskLease.ts';
import { queueTask } from '../queue/queueTask.ts';
import type { ChunkBuffer } from './chunkBuffer.ts';
import { StagingLost } from './stagingLost.ts';
import { stagingIntact, type StagingTables } from './stagingTables.ts';

async function copyInto(db: pg.ClientBase, sql: string, data: Buffer | string): Promise<void> {
  if (data.length === 0) return;
  await pipeline(Readable.from([data]), db.query(copyFrom(sql)));
}

export interface StageChunkOptions {
  /** false when restaging a chunk that was counted (and its merge queued) before staging was lost. */
  count: boolean;
  /** Some rejected rows of this chunk were counted without keeping their errors (past MAX_ROW_ERRORS). */
  errorsDropped: boolean;
}

/**
 * Stages one chunk and queues its merge, in ONE transaction: the staged rows and errors, the job's
 * staging counters and the merge task commit together, so a stage task that dies resumes after the
 * last committed chunk without staging a row twice.
 */
export async function stageChunk(pool: pg.Pool, jobId: string, t: StagingTables, c: ChunkBuffer, lease: TaskLease, o: StageChunkOptions): Promise<void> {
  await withTransaction(pool, async (db) => {
    // Safe: a commit lost in a crash takes its whole chunk (and its merge task) with it, and the
    // counters say so; the stage task then finds staging lost and rebuilds it.
    await db.query('SET LOCAL synchronous_commit = off');
    await lease.assertHeld(db);
    if (!(await stagingIntact(db, t))) throw new StagingLost(jobId, 'found while staging');
    const cols = c.entity.columns.map((col) => `"${col.name}"`).join(', ');
    await copyInto(db, `COPY ${t.rows} (row_no, ok, deferred, ${cols}) FROM STDIN`, c.rowsCopy.contents());
    await copyInto(db, `COPY ${t.errs} (row_no, col, code, message, value) FROM STDIN`, c.errsCopy.join(''));
    if (!o.count) return;
    await recordStagedChunk(db, jobId, { rows: c.rowCount, toRow: c.toRow, bytesRead: c.bytesRead, errorsDropped: o.errorsDropped });
    await queueTask(db, 'import_merge', {
      jobId,
      chunk: c.chunk,
      fromRow: c.fromRow,
      toRow: c.toRow,
      rows: c.rowCount - c.deferredCount,
      rejected: c.rejectedCount,
      deferred: false,
    });
  });
}
