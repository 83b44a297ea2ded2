import { dropStagingTables } from '../../imports/stagingTables.ts';
import { isTerminal } from '../../jobs/jobStatus.ts';
import { loadJob } from '../../jobs/state/loadJob.ts';
import type { WorkerContext } from '../workerContext.ts';
import { jobTask } from '../runJobTask.ts';

/** Task `import_cleanup` {jobId}: drops an ended import's staging tables. */
export function importCleanup(ctx: WorkerContext) {
  return jobTask(ctx, 'import_cleanup', async ({ jobId }) => {
    const job = await loadJob(ctx.pool, jobId);
    if (job && !isTerminal(job.status)) return;
    await dropStagingTables(ctx.pool, jobId);
  });
}
