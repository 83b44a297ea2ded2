import { stageFile } from '../../imports/stageFile.ts';
import { announceJob } from '../../jobs/announceJob.ts';
import { markFailed } from '../../jobs/state/markFailed.ts';
import type { WorkerContext } from '../workerContext.ts';
import { jobTask } from '../runJobTask.ts';
import { startJob } from '../startJob.ts';

/** Task `import_stage` {jobId}: reads the uploaded file into staging and queues one merge per chunk. */
export function importStage(ctx: WorkerContext) {
  return jobTask(ctx, 'import_stage', async ({ jobId }, lease) => {
    const job = await startJob(ctx, jobId, 'IMPORT');
    if (!job) return;
    const { chunkSize, maxChunkBytes, maxRowErrors, keyFilterBits } = ctx.config;
    const outcome = await stageFile({ pool: ctx.pool, store: ctx.store, chunkSize, maxChunkBytes, maxRowErrors, keyFilterBits }, job, lease);
    // A file that is not an importable CSV fails on the first attempt: reading it again changes nothing.
    if (outcome.kind === 'rejected') await announceJob(ctx, await markFailed(ctx.pool, jobId, outcome.reason));
    else await announceJob(ctx, outcome.job);
  });
}
