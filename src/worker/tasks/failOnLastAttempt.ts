import type { JobHelpers } from 'graphile-worker';
import { markFailed } from '../../jobs/jobTransitions.ts';
import { announce, type WorkerContext } from '../workerContext.ts';

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
      const reason = `processing failed after ${helpers.job.attempts} attempts: ${message}`;
      const job = await markFailed(ctx.pool, jobId, reason).catch(() => null);
      await announce(ctx, job).catch(() => undefined);
    } else {
      helpers.logger.warn(`job ${jobId}: attempt ${helpers.job.attempts} of ${helpers.job.max_attempts} failed, will retry: ${message}`);
    }
    throw err;
  }
}
