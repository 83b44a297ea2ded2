import type { Task } from 'graphile-worker';
import { runExport } from '../../exports/runExport.ts';
import { isTerminal } from '../../jobs/jobStatus.ts';
import { loadJob, markRunning } from '../../jobs/jobTransitions.ts';
import { announceJob } from '../../jobs/announceJob.ts';
import type { WorkerContext } from '../workerContext.ts';
import { failOnLastAttempt } from './failOnLastAttempt.ts';

/** Task `export_run` {jobId}: writes the export file; a retry starts over from a fresh snapshot. */
export function exportRun(ctx: WorkerContext): Task {
  return async (payload, helpers) => {
    const { jobId } = payload as { jobId: string };
    await failOnLastAttempt(ctx, jobId, helpers, async () => {
      const existing = await loadJob(ctx.pool, jobId);
      if (!existing || isTerminal(existing.status)) return;
      const job = await markRunning(ctx.pool, jobId);
      if (!job) return;
      await announceJob(ctx, job);
      const done = await runExport({ pool: ctx.pool, store: ctx.store, onProgress: (j) => announceJob(ctx, j) }, job);
      await announceJob(ctx, done);
    });
  };
}
