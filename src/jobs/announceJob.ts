import type pg from 'pg';
import { log } from '../observability/logger.ts';
import type { MetricsPort } from '../observability/metricsPort.ts';
import type { ProgressBus } from './progressBus.ts';
import { queueTask } from '../queue/queueTask.ts';
import type { JobRecord } from './jobRecord.ts';
import { isTerminal } from './jobStatus.ts';
import { toProgressEvent } from './progressMath.ts';

/** Staging tables outlive their import by this long: a merge that lost the race to a cancel may still be reading them. */
const CLEANUP_DELAY_MS = 10_000;

/**
 * Publishes a job's state after a commit; schedules the cleanup of an import that has just ended.
 * Callers pass the job a state statement returned, so a job reaches a terminal status here once:
 * that is when its duration is recorded.
 */
export async function announceJob(deps: { pool: pg.Pool; bus: ProgressBus; metrics?: MetricsPort }, job: JobRecord | null): Promise<void> {
  if (!job) return;
  if (isTerminal(job.status)) {
    const endedAt = job.completedAt ?? job.updatedAt;
    deps.metrics?.jobEnded(job.kind, job.status, (endedAt.getTime() - job.createdAt.getTime()) / 1000);
  }
  if (isTerminal(job.status) && job.kind === 'IMPORT') {
    await queueTask(deps.pool, 'import_cleanup', { jobId: job.id }, { delayMs: CLEANUP_DELAY_MS }).catch((err: Error) =>
      log('jobs').warn({ jobId: job.id, workspace: job.workspaceId }, `could not schedule cleanup: ${err.message}`),
    );
  }
  await deps.bus.publish(toProgressEvent(job));
}
