/**
 * "This job is no longer mine to work on": the one error a worker meets when it must stop without
 * failing anything.
 * - 'job-ended': the job was cancelled, failed or completed meanwhile; the task is simply done.
 * - 'task-lost': this process may no longer commit for its task (its heartbeat went stale, or its
 *   task was unlocked and given to another worker): it stops quietly, spends no attempt, and
 *   leaves the job to whoever holds the task now.
 */
export class JobNoLongerMine extends Error {
  constructor(
    readonly reason: 'job-ended' | 'task-lost',
    message: string = reason === 'job-ended' ? 'the job is no longer running' : 'this worker no longer holds the task',
  ) {
    super(message);
    this.name = 'JobNoLongerMine';
  }
}

/** Throws 'job-ended' unless the conditional UPDATE of a RUNNING job matched its row. */
export function assertStillRunning(rowCount: number | null): void {
  if (!rowCount) throw new JobNoLongerMine('job-ended');
}
