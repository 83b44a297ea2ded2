import type { Task } from 'graphile-worker';
import { dropLedger } from '../../imports/importLedger.ts';
import { clearJobFiles, jobsPastRetention } from '../../jobs/state/clearJobFiles.ts';
import type { WorkerContext } from '../workerContext.ts';

/**
 * Cron task `retention_sweep`: deletes uploaded import files and export results of jobs that ended
 * more than FILE_RETENTION_DAYS ago, and the ledgers that let an import be undone. The jobs stay (with
 * their counts and errors); the link and the undo are gone.
 */
export function retentionSweep(ctx: WorkerContext): Task<'retention_sweep'> {
  return async () => {
    for (;;) {
      const jobs = await jobsPastRetention(ctx.pool, ctx.config.fileRetentionDays, 500);
      if (jobs.length === 0) return;
      for (const job of jobs) {
        // Files first, then the pointers: a crash in between leaves a pointer to a missing file, never an orphan file.
        if (job.fileKey) await ctx.store.delete(job.fileKey);
        if (job.resultKey) await ctx.store.delete(job.resultKey);
        await dropLedger(ctx.pool, job.id); // an import can be undone as long as its files are kept
        await ctx.pool.query(`DELETE FROM job_row_errors WHERE job_id = $1`, [job.id]); // the counts stay on the job
        await clearJobFiles(ctx.pool, job.id);
      }
    }
  };
}
