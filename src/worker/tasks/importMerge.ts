import type { Task } from 'graphile-worker';
import { mergeChunk, type MergeChunkPayload } from '../../imports/mergeChunk.ts';
import { announceJob } from '../../jobs/announceJob.ts';
import type { WorkerContext } from '../workerContext.ts';
import { failOnLastAttempt } from './failOnLastAttempt.ts';

/** Task `import_merge` {jobId, chunk, fromRow, toRow}: merges one staged chunk (idempotent). */
export function importMerge(ctx: WorkerContext): Task {
  return async (payload, helpers) => {
    const p = payload as MergeChunkPayload;
    await failOnLastAttempt(ctx, p.jobId, helpers, async () => {
      await announceJob(ctx, await mergeChunk(ctx.pool, p));
    });
  };
}
