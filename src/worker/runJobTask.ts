import type { JobHelpers, Task } from 'graphile-worker';
import { StagingLost } from '../imports/stagingLost.ts';
import { announceJob } from '../jobs/announceJob.ts';
import { isUuid } from '../jobs/jobAccess.ts';
import { loadJob } from '../jobs/state/loadJob.ts';
import { jobLogger, log, type Logger } from '../observability/logger.ts';
import { PermanentFailure } from '../jobs/permanentFailure.ts';
import { JobNoLongerMine } from '../jobs/state/jobNoLongerMine.ts';
import { markFailed } from '../jobs/state/markFailed.ts';
import { HandBack, type TaskLease } from '../jobs/taskLease.ts';
import { queueTask } from '../queue/queueTask.ts';
import { requeueHeldTask } from '../queue/requeueHeldTask.ts';
import { isReadablePayload, type PayloadOf } from '../queue/tasks.ts';
import { retryDelayMs, userFacingReason } from './failureReason.ts';
import type { WorkerContext } from './workerContext.ts';
import { WorkerLease } from './workerLease.ts';

type JobTaskName = 'import_stage' | 'import_merge' | 'export_run' | 'import_cleanup' | 'revert_run';

/** How long a merge waits before looking again for rows a restage is putting back. */
const RESTAGE_WAIT_MS = 1000;

/**
 * Wraps the body of a task that works for one job, and decides what every way it can end means:
 * - success, or the job ended meanwhile (JobNoLongerMine 'job-ended'): the task is done.
 * - the task was lost to another worker ('task-lost'): stop quietly; if this pool still holds it
 *   (a stale heartbeat), hand it back without spending an attempt, else let it go.
 * - HandBack (shutdown): queued again as it was, to continue elsewhere from the last commit.
 * - StagingLost (a database crash emptied staging): a restage is queued, and a merge waits for it.
 * - PermanentFailure: the job FAILS at once with its reason; never retried.
 * - anything else: retried (attempt n + 1, counted in the payload) after an exponential delay with
 *   jitter; after JOB_MAX_ATTEMPTS the job FAILS with a plain reason.
 * The task function itself only throws when this pool no longer holds the task (graphile-worker's
 * failJob then changes nothing), or when even recording the outcome failed (the database is away;
 * the task stays locked and the reaper frees it once this process is gone or restarted).
 */
export function jobTask<T extends JobTaskName>(
  ctx: WorkerContext,
  task: T,
  body: (payload: PayloadOf<T>, lease: TaskLease, helpers: JobHelpers, log: Logger) => Promise<void>,
): Task<T> {
  return async (raw, helpers) => {
    const ended = ctx.metrics.taskStarted(task);
    try {
      await runOnce(raw, helpers);
    } finally {
      ended();
    }
  };

  async function runOnce(raw: unknown, helpers: JobHelpers): Promise<void> {
    const payload = raw as PayloadOf<T>;
    const jobId = (raw as { jobId?: unknown } | null)?.jobId;
    if (typeof jobId !== 'string' || !isUuid(jobId)) {
      // Nothing to fail: no job can be named. Completing drops it; retrying could never help.
      log('worker').error({ task, taskId: helpers.job.id }, `unreadable payload, task dropped: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    // Every line about this job carries its id, workspace, task and chunk (one small read per task run).
    const workspace = (await loadJob(ctx.pool, jobId))?.workspaceId ?? 'unknown';
    const chunk = (raw as { chunk?: unknown }).chunk;
    const jobLog = jobLogger({ jobId, workspace, task, ...(typeof chunk === 'number' ? { chunk } : {}) });
    if (!isReadablePayload(task, raw)) {
      jobLog.error({ taskId: helpers.job.id }, `unreadable payload: ${JSON.stringify(raw)?.slice(0, 200)}`);
      await announceJob(
        ctx,
        await markFailed(ctx.pool, jobId, 'an internal task of this job could not be read; start the job again, and contact support if it happens again'),
      );
      return;
    }
    const held = { taskId: helpers.job.id, poolId: helpers.job.locked_by ?? '' };
    const lease = new WorkerLease(held.taskId, held.poolId, ctx.heartbeat, ctx.shutdown);
    const requeue = async (next: PayloadOf<T>, delayMs = 0) => {
      if (!(await requeueHeldTask(ctx.pool, held, task, next, { delayMs }))) throw new JobNoLongerMine('task-lost');
    };
    const fail = async (reason: string) => announceJob(ctx, await markFailed(ctx.pool, payload.jobId, reason));
    const started = performance.now();
    jobLog.debug({ taskId: helpers.job.id, attempt: payload.attempt ?? 1 }, `${task} started`);
    try {
      await body(payload, lease, helpers, jobLog);
      jobLog.info({ durationMs: Math.round(performance.now() - started) }, `${task} done`);
    } catch (err) {
      if (err instanceof JobNoLongerMine && err.reason === 'job-ended') {
        jobLog.info(`${task} stops: the job has ended`);
        return;
      }
      if (err instanceof JobNoLongerMine) {
        jobLog.warn(`${err.message}; ${task} stops here`);
        return requeue(payload);
      }
      if (err instanceof HandBack) {
        jobLog.info(err.message);
        return requeue(payload, err.delayMs);
      }
      if (err instanceof StagingLost) {
        jobLog.warn(`${err.message}; restaging the stored file`);
        await queueTask(ctx.pool, 'import_stage', { jobId: payload.jobId }, { keyMode: 'unsafe_dedupe' });
        ctx.metrics.restaged();
        return requeue(payload, task === 'import_merge' ? RESTAGE_WAIT_MS : 0);
      }
      if (err instanceof PermanentFailure) {
        jobLog.error(`job failed: ${err.message}`);
        return fail(err.message);
      }
      const attempt = payload.attempt ?? 1;
      const detail = err instanceof Error ? err.message : String(err);
      if (attempt >= ctx.config.jobMaxAttempts) {
        jobLog.error({ attempt }, `job failed for good after ${attempt} attempts of ${task}: ${detail}`);
        return fail(`processing failed after ${attempt} attempts: ${userFacingReason(err)}`);
      }
      const delayMs = retryDelayMs(attempt);
      jobLog.warn({ attempt, delayMs }, `${task} attempt ${attempt} of ${ctx.config.jobMaxAttempts} failed, retrying in ${delayMs} ms: ${detail}`);
      return requeue({ ...payload, attempt: attempt + 1 }, delayMs);
    }
  }
}
