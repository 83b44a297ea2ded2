import type { Task } from 'graphile-worker';
import { announceJob } from '../../jobs/announceJob.ts';
import { sweepStuckJobs } from '../../jobs/state/sweepStuckJobs.ts';
import type { WorkerContext } from '../workerContext.ts';

/** Cron task `sweep_stuck_jobs`: fails jobs that have no task left that can run (see sweepStuckJobs.ts). */
export function sweepStuckJobsTask(ctx: WorkerContext): Task<'sweep_stuck_jobs'> {
  return async () => {
    for (const job of await sweepStuckJobs(ctx.pool, ctx.config.stuckJobSeconds)) await announceJob(ctx, job);
  };
}
