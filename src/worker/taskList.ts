import type { TaskList } from 'graphile-worker';
import { exportRun } from './tasks/exportRun.ts';
import { importCleanup } from './tasks/importCleanup.ts';
import { importMerge } from './tasks/importMerge.ts';
import { importStage } from './tasks/importStage.ts';
import { retentionSweep } from './tasks/retentionSweep.ts';
import { revertRun } from './tasks/revertRun.ts';
import { sweepStuckJobsTask } from './tasks/sweepStuckJobs.ts';
import { webhookDeliver } from './tasks/webhookDeliver.ts';
import type { WorkerContext } from './workerContext.ts';

/** Every task a worker runs, by identifier (src/queue/tasks.ts types their payloads). */
export function taskList(ctx: WorkerContext): TaskList {
  return {
    import_stage: importStage(ctx),
    import_merge: importMerge(ctx),
    import_cleanup: importCleanup(ctx),
    export_run: exportRun(ctx),
    revert_run: revertRun(ctx),
    sweep_stuck_jobs: sweepStuckJobsTask(ctx),
    retention_sweep: retentionSweep(ctx),
    webhook_deliver: webhookDeliver(ctx),
  } as TaskList;
}

export const CRONTAB = ['* * * * * sweep_stuck_jobs', '17 * * * * retention_sweep'].join('\n');
