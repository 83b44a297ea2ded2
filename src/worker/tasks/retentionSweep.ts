import type { Task } from 'graphile-worker';
import type { WorkerContext } from '../workerContext.ts';

/**
 * Cron task `retention_sweep`: deletes uploaded import files and export results of jobs that ended
 * more than FILE_RETENTION_DAYS ago. The jobs stay (with their counts and errors); the link is gone.
 */
export function retentionSweep(ctx: WorkerContext): Task {
  return async () => {
    for (;;) {
      const { rows } = await ctx.pool.query<{ id: string; file_key: string | null; result_key: string | null }>(
        `SELECT id, file_key, result_key FROM jobs
         WHERE status IN ('COMPLETED', 'FAILED', 'CANCELLED') AND completed_at < now() - make_interval(days => $1)
           AND (file_key IS NOT NULL OR result_key IS NOT NULL)
         ORDER BY completed_at LIMIT 500`,
        [ctx.config.fileRetentionDays],
      );
      if (rows.length === 0) return;
      for (const job of rows) {
        // Files first, then the pointers: a crash in between leaves a pointer to a missing file, never an orphan file.
        if (job.file_key) await ctx.store.delete(job.file_key);
        if (job.result_key) await ctx.store.delete(job.result_key);
        await ctx.pool.query(`UPDATE jobs SET file_key = NULL, result_key = NULL, updated_at = now() WHERE id = $1`, [job.id]);
      }
    }
  };
}
