import { run, type Runner } from 'graphile-worker';
import { workerLogger } from '../db/workerLogger.ts';
import { exportRun } from './tasks/exportRun.ts';
import { importCleanup } from './tasks/importCleanup.ts';
import { importMerge } from './tasks/importMerge.ts';
import { importStage } from './tasks/importStage.ts';
import { retentionSweep } from './tasks/retentionSweep.ts';
import { sweepStuckJobs } from './tasks/sweepStuckJobs.ts';
import type { WorkerContext } from './workerContext.ts';

/**
 * Starts a graphile-worker runner on the shared pool. Any number of these, in any number of
 * processes, share the work: graphile-worker hands each task to exactly one of them at a time.
 */
export async function runWorker(ctx: WorkerContext): Promise<Runner> {
  return run({
    pgPool: ctx.pool,
    concurrency: ctx.config.workerConcurrency,
    noHandleSignals: true,
    logger: workerLogger,
    pollInterval: 1000,
    taskList: {
      import_stage: importStage(ctx),
      import_merge: importMerge(ctx),
      import_cleanup: importCleanup(ctx),
      sweep_stuck_jobs: sweepStuckJobs(ctx),
      export_run: exportRun(ctx),
      retention_sweep: retentionSweep(ctx),
    },
    crontab: ['* * * * * sweep_stuck_jobs', '17 * * * * retention_sweep'].join('\n'),
  });
}
