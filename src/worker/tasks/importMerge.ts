import { mergeChunk } from '../../imports/mergeChunk.ts';
import { announceJob } from '../../jobs/announceJob.ts';
import type { WorkerContext } from '../workerContext.ts';
import { jobTask } from '../runJobTask.ts';

/** Task `import_merge` {jobId, chunk, fromRow, toRow, rows, deferred}: merges one staged chunk (idempotent). */
export function importMerge(ctx: WorkerContext) {
  return jobTask(ctx, 'import_merge', async (payload, lease) => {
    await announceJob(ctx, await mergeChunk(ctx.pool, payload, lease, { maxRowErrors: ctx.config.maxRowErrors, limits: ctx.config }));
  });
}
