import { announceJob } from '../../jobs/announceJob.ts';
import { isTerminal } from '../../jobs/jobStatus.ts';
import { loadJob } from '../../jobs/state/loadJob.ts';
import { markRunning } from '../../jobs/state/markRunning.ts';
import { runRevert } from '../../reverts/runRevert.ts';
import type { WorkerContext } from '../workerContext.ts';
import { jobTask } from '../runJobTask.ts';

/** Task `revert_run` {jobId}: undoes an import from its ledger, chunk by chunk. */
export function revertRun(ctx: WorkerContext) {
  return jobTask(ctx, 'revert_run', async ({ jobId }, lease) => {
    const existing = await loadJob(ctx.pool, jobId);
    if (!existing || isTerminal(existing.status)) return;
    const job = await markRunning(ctx.pool, jobId);
    if (!job || job.kind !== 'REVERT') return;
    if (existing.status === 'QUEUED') await announceJob(ctx, job);
    const done = await runRevert({ pool: ctx.pool, chunkSize: ctx.config.chunkSize, onProgress: (j) => announceJob(ctx, j) }, job, lease);
    await announceJob(ctx, done);
  });
}
