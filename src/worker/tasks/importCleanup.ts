import type { Task } from 'graphile-worker';
import { dropStagingTables } from '../../imports/stagingTables.ts';
import { loadJob } from '../../jobs/jobTransitions.ts';
import { isTerminal } from '../../jobs/jobStatus.ts';
import type { WorkerContext } from '../workerContext.ts';

/** Task `import_cleanup` {jobId}: drops an ended import's staging tables. */
export function importCleanup(ctx: WorkerContext): Task {
  return async (payload) => {
    const { jobId } = payload as { jobId: string };
    const job = await loadJob(ctx.pool, jobId);
    if (job && !isTerminal(job.status)) return;
    await dropStagingTables(ctx.pool, jobId);
  };
}
