import { runExport } from '../../exports/runExport.ts';
import { announceJob } from '../../jobs/announceJob.ts';
import { isTerminal } from '../../jobs/jobStatus.ts';
import { loadJob } from '../../jobs/state/loadJob.ts';
import { markRunning } from '../../jobs/state/markRunning.ts';
import type { WorkerContext } from '../workerContext.ts';
import { jobTask } from '../runJobTask.ts';

/** Task `export_run` {jobId}: writes the export file; a retry (or a hand-back) starts over from a fresh snapshot. */
export function exportRun(ctx: WorkerContext) {
  return jobTask(ctx, 'export_run', async ({ jobId }, lease) => {
    const existing = await loadJob(ctx.pool, jobId);
    if (!existing || isTerminal(existing.status)) return;
    const job = await markRunning(ctx.pool, jobId);
    if (!job || job.kind !== 'EXPORT') return;
    await announceJob(ctx, job);
    const done = await runExport({ pool: ctx.pool, store: ctx.store, onProgress: (j) => announceJob(ctx, j) }, job, lease);
    await announceJob(ctx, done);
  });
}
