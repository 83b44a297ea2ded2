import { announceJob } from '../../jobs/announceJob.ts';
import { runRevert } from '../../reverts/runRevert.ts';
import type { WorkerContext } from '../workerContext.ts';
import { jobTask } from '../runJobTask.ts';
import { startJob } from '../startJob.ts';

/** Task `revert_run` {jobId}: undoes an import from its ledger, chunk by chunk. */
export function revertRun(ctx: WorkerContext) {
  return jobTask(ctx, 'revert_run', async ({ jobId }, lease) => {
    const job = await startJob(ctx, jobId, 'REVERT');
    if (!job) return;
    const done = await runRevert({ pool: ctx.pool, chunkSize: ctx.config.chunkSize, onProgress: (j) => announceJob(ctx, j) }, job, lease);
    await announceJob(ctx, done);
  });
}
