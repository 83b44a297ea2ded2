import type { Task } from 'graphile-worker';
import { JOB_COLUMNS, type JobRecord } from '../../jobs/jobRecord.ts';
import { announceJob } from '../../jobs/announceJob.ts';
import type { WorkerContext } from '../workerContext.ts';

/**
 * Cron task `sweep_stuck_jobs`: fails QUEUED/RUNNING jobs that nothing will ever move again — no
 * queued, running or retryable graphile-worker task left for them and no update for a while. This is
 * the backstop for failures that could not even record themselves (the database was down at the time)
 * and for workers that died holding a task (live tasks update their job every chunk or 500 ms).
 */
export function sweepStuckJobs(ctx: WorkerContext): Task {
  return async () => {
    const { rows } = await ctx.pool.query<JobRecord>(
      `UPDATE jobs j SET status = 'FAILED', completed_at = now(), updated_at = now(),
         failure_reason = 'processing stopped unexpectedly and could not be resumed; start the job again'
       WHERE j.status IN ('QUEUED', 'RUNNING') AND j.updated_at < now() - make_interval(secs => $1)
         AND NOT EXISTS (SELECT 1 FROM graphile_worker.jobs g
                         WHERE g.key LIKE (CASE WHEN j.kind = 'IMPORT' THEN 'import:' ELSE 'export:' END) || j.id || ':%'
                           AND g.attempts < g.max_attempts
                           -- a task locked this long by a process that stopped updating its job is dead:
                           -- graphile-worker would only free it after 4 hours
                           AND NOT (g.locked_at IS NOT NULL AND g.locked_at < now() - make_interval(secs => $1)))
       RETURNING ${JOB_COLUMNS}`,
      [ctx.config.stuckJobSeconds],
    );
    for (const job of rows) await announceJob(ctx, job);
  };
}
