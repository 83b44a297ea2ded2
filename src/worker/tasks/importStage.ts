import type { Task } from 'graphile-worker';
import { stageFile } from '../../imports/stageFile.ts';
import { loadJob, markFailed, markRunning } from '../../jobs/jobTransitions.ts';
import { isTerminal } from '../../jobs/jobStatus.ts';
import { announceJob } from '../../jobs/announceJob.ts';
import type { WorkerContext } from '../workerContext.ts';
import { failOnLastAttempt } from './failOnLastAttempt.ts';

/** Task `import_stage` {jobId}: reads the uploaded file into staging and queues one merge per chunk. */
export function importStage(ctx: WorkerContext): Task {
  return async (payload, helpers) => {
    const { jobId } = payload as { jobId: string };
    await failOnLastAttempt(ctx, jobId, helpers, async () => {
      const existing = await loadJob(ctx.pool, jobId);
      if (!existing || isTerminal(existing.status)) return;
      if (existing.totalChunks !== null) return; // staged by an earlier attempt; merges finish the job
      const job = await markRunning(ctx.pool, jobId);
      if (!job) return;
      await announceJob(ctx, job);
      const outcome = await stageFile(
        {
          pool: ctx.pool,
          store: ctx.store,
          chunkSize: ctx.config.chunkSize,
          maxAttempts: ctx.config.jobMaxAttempts,
          keyFilterBits: ctx.config.keyFilterBits,
        },
        job,
      );
      if (outcome.kind === 'rejected') await announceJob(ctx, await markFailed(ctx.pool, jobId, outcome.reason));
      else if (outcome.kind === 'staged') await announceJob(ctx, outcome.job);
    });
  };
}
