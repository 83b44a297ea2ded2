import type pg from 'pg';
import type { ProgressBus } from '../progress/progressBus.ts';
import type { JobRecord } from './jobRecord.ts';
import { isTerminal } from './jobStatus.ts';
import { toProgressEvent } from './progressMath.ts';

/**
 * Publishes a job's state after a commit. When an import has just ended, its staging tables are
 * dropped a little later (a merge that lost the race to a cancel may still be reading them).
 */
export async function announceJob(deps: { pool: pg.Pool; bus: ProgressBus }, job: JobRecord | null): Promise<void> {
  if (!job) return;
  if (isTerminal(job.status) && job.kind === 'IMPORT') {
    await deps.pool
      .query(`SELECT graphile_worker.add_job('import_cleanup', $1::json, run_at := now() + interval '10 seconds', job_key := $2)`, [
        JSON.stringify({ jobId: job.id }),
        `import:${job.id}:cleanup`,
      ])
      .catch((err: Error) => console.warn(`[jobs] could not schedule cleanup of ${job.id}: ${err.message}`));
  }
  await deps.bus.publish(toProgressEvent(job));
}
