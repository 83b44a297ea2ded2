import type pg from 'pg';
import { withTransaction } from '../db/pool.ts';
import type { ImportJob, JobRecord } from '../jobs/jobRecord.ts';
import { recordStagedChunk } from '../jobs/state/recordStagedChunk.ts';
import type { TaskLease } from '../jobs/taskLease.ts';
import { queueTask } from '../queue/queueTask.ts';
import type { ChunkBuffer } from './chunkBuffer.ts';
import { mergeDirect, type DirectRefusal, type DirectSettings } from './directChunk.ts';
import { StagingLost } from './stagingLost.ts';
import { copyStagedErrors, copyStagedRows, stagingIntact, type StagingTables } from './stagingTables.ts';

export interface StageChunkOptions {
  /** false when restaging a chunk that was counted (and its merge queued) before staging was lost. */
  count: boolean;
  /** Some rejected rows of this chunk were counted without keeping their errors (past MAX_ROW_ERRORS). */
  errorsDropped: boolean;
  /** Settings of the direct path; null once the stage task has seen it refused (see directChunk.ts). */
  direct: DirectSettings | null;
}

/** How a chunk went: merged at once (direct, with the job after it), or staged with its merge queued. */
export type ChunkOutcome = { kind: 'direct'; job: JobRecord | null } | { kind: 'staged'; directRefused?: DirectRefusal };

/**
 * Stages one chunk and queues its merge, in ONE transaction: the staged rows and errors, the job's
 * staging counters and the merge task commit together, so a stage task that dies resumes after the
 * last committed chunk without staging a row twice. A chunk in the direct format is first offered
 * to the direct path, which merges it in this same transaction; refused, it is staged as any other.
 */
export async function stageChunk(
  pool: pg.Pool,
  job: ImportJob,
  t: StagingTables,
  c: ChunkBuffer,
  lease: TaskLease,
  o: StageChunkOptions,
): Promise<ChunkOutcome> {
  return withTransaction(pool, async (db): Promise<ChunkOutcome> => {
    // Safe: a commit lost in a crash takes its whole chunk (and its merge task) with it, and the
    // counters say so; the stage task then finds staging lost and rebuilds it.
    await db.query('SET LOCAL synchronous_commit = off');
    await lease.assertHeld(db);
    if (!(await stagingIntact(db, t))) throw new StagingLost(job.id, 'found while staging');
    const merged = c.direct && o.direct && o.count ? await mergeDirect(db, job, t, c, o.direct) : null;
    if (merged && 'job' in merged) return { kind: 'direct', job: merged.job };
    const directRefused = merged?.refused;
    await copyStagedRows(db, t, c.entity, c.stagingRows());
    await copyStagedErrors(db, t, c.errsCopy.join(''));
    if (!o.count) return { kind: 'staged', directRefused };
    await recordStagedChunk(db, job.id, { rows: c.rowCount, toRow: c.toRow, bytesRead: c.bytesRead, errorsDropped: o.errorsDropped });
    await queueTask(db, 'import_merge', {
      jobId: job.id,
      chunk: c.chunk,
      fromRow: c.fromRow,
      toRow: c.toRow,
      rows: c.rowCount - c.deferredCount,
      rejected: c.rejectedCount,
      deferred: false,
    });
    return { kind: 'staged', directRefused };
  });
}
