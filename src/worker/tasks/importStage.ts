import { stageFile } from '../../imports/stageFile.ts';
import { announceJob } from '../../jobs/announceJob.ts';
import { isTerminal } from '../../jobs/jobStatus.ts';
import { loadJob } from '../../jobs/state/loadJob.ts';
import { markFailed } from '../../jobs/state/markFailed.ts';
import { markRunning } from '../../jobs/state/markRunning.ts';
import type { WorkerContext } from '../workerContext.ts';
import { jobTask } from '../runJobTask.ts';

/** Task `import_stage` {jobId}: reads the uploaded file into staging and queues one merge per chunk. */
export function importStage(ctx: WorkerContext) {
  return jobTask(ctx, 'import_stage', async ({ jobId }, lease) => {
    const existing = await loadJob(ctx.pool, jobId);
    if (!existing || isTerminal(existing.status)) return;
    const job = await markRunning(ctx.pool, jobId);
    if (!job || job.kind !== 'IMPORT') return;
    if (existing.status === 'QUEUED') await announceJob(ctx, job);
    const { chunkSize, maxChunkBytes, maxRowErrors, keyFilterBits } = ctx.config;
    const outcome = await stageFile({ pool: ctx.pool, store: ctx.store, chunkSize, maxChunkBytes, maxRowErrors, keyFilterBits }, job, lease);
    // A file that is not an importable CSV fails on the first attempt: reading it again changes nothing.
    if (outcome.kind === 'rejected') await announceJob(ctx, await markFailed(ctx.pool, jobId, outcome.reason));
    else await announceJob(ctx, outcome.job);
  });
}
