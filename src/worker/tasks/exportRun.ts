import { runExport } from '../../exports/runExport.ts';
import { announceJob } from '../../jobs/announceJob.ts';
import type { WorkerContext } from '../workerContext.ts';
import { jobTask } from '../runJobTask.ts';
import { startJob } from '../startJob.ts';

/** Task `export_run` {jobId}: writes the export file; a retry (or a hand-back) starts over from a fresh snapshot. */
export function exportRun(ctx: WorkerContext) {
  return jobTask(ctx, 'export_run', async ({ jobId }, lease) => {
    const job = await startJob(ctx, jobId, 'EXPORT');
    if (!job) return;
    const done = await runExport(
      { pool: ctx.pool, store: ctx.store, gzipLevel: ctx.config.exportGzipLevel, onProgress: (j) => announceJob(ctx, j) },
      job,
      lease,
    );
    await announceJob(ctx, done);
  });
}
