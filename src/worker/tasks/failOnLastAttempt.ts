import type { JobHelpers } from 'graphile-worker';
import { markFailed } from '../../jobs/jobTransitions.ts';
import { announceJob } from '../../jobs/announceJob.ts';
import type { WorkerContext } from '../workerContext.ts';

/**
 * Runs a task body; when it throws on graphile-worker's last attempt, the import is marked FAILED
 * with the reason, so no job stays RUNNING forever. Earlier attempts rethrow to be retried with
 * graphile-worker's exponential backoff. (If PostgreSQL itself is down, the sweeper settles it later.)
 */
export async function failOnLastAttempt(ctx: WorkerContext, jobId: string, helpers: JobHelpers, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    const message = (err as Error).message;
    if (helpers.job.attempts >= helpers.job.max_attempts) {
      const reason = `processing failed after ${helpers.job.attempts} attempts: ${userFacing(err)}`;
      helpers.logger.error(`job ${jobId} failed for good: ${message}`);
      const job = await markFailed(ctx.pool, jobId, reason).catch(() => null);
      await announceJob(ctx, job).catch(() => undefined);
    } else {
      helpers.logger.warn(`job ${jobId}: attempt ${helpers.job.attempts} of ${helpers.job.max_attempts} failed, will retry: ${message}`);
    }
    throw err;
  }
}

/**
 * What a failureReason may say. Our own errors are written for users; a driver, database or
 * system error names hosts, tables and internals, so the user gets a plain sentence instead
 * (the raw message is in the worker's log).
 */
function userFacing(err: unknown): string {
  const e = err as { code?: unknown; severity?: unknown; message?: string };
  if (typeof e.severity === 'string') return 'the database refused an operation; try again, and contact support if it persists';
  if (typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) return 'the database or file storage could not be reached; try again later';
  return e.message ?? 'unknown error';
}
