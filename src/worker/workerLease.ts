import type pg from 'pg';
import { JobNoLongerMine } from '../jobs/state/jobNoLongerMine.ts';
import type { TaskLease } from '../jobs/taskLease.ts';
import { taskHeldBy } from '../queue/taskHeldBy.ts';
import type { Heartbeat } from './heartbeat.ts';

/** The TaskLease of one graphile-worker task run by this process. */
export class WorkerLease implements TaskLease {
  constructor(
    private readonly taskId: string,
    /** graphile-worker's locked_by: the id of the pool that claimed the task. */
    private readonly poolId: string,
    private readonly heartbeat: Heartbeat,
    private readonly shutdown: { readonly stopping: boolean },
  ) {}

  get stopRequested(): boolean {
    return this.shutdown.stopping;
  }

  async assertHeld(db: pg.ClientBase): Promise<void> {
    if (!this.heartbeat.isFresh()) throw new JobNoLongerMine('task-lost', 'this worker has not recorded a heartbeat recently; it stops committing');
    if (!(await taskHeldBy(db, this.taskId, this.poolId))) throw new JobNoLongerMine('task-lost');
  }
}
