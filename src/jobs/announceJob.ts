import type pg from 'pg';
import type { ProgressBus } from './progressBus.ts';
import { queueTask } from '../queue/queueTask.ts';
import type { JobRecord } from './jobRecord.ts';
import { isTerminal } from './jobStatus.ts';
import { toProgressEvent } from './progressMath.ts';

/** Staging tables outlive their import by this long: a merge that lost the race to a cancel may still be reading them. */
const CLEANUP_DELAY_MS = 10_000;

/** Publishes a job's state after a commit; schedules the cleanup of an import that has just ended. */
export async function announceJob(deps: { pool: pg.Pool; bus: ProgressBus }, job: JobRecord | null): Promise<void> {
  if (!job) return;
  if (isTerminal(job.status) && job.kind === 'IMPORT') {
    await queueTask(deps.pool, 'import_cleanup', { jobId: job.id }, { delayMs: CLEANUP_DELAY_MS }).catch((err: Error) =>
      console.warn(`[jobs] could not schedule cleanup of ${job.id}: ${err.message}`),
    );
  }
  await deps.bus.publish(toProgressEvent(job));
}
