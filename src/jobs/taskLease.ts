import type pg from 'pg';

/**
 * What a long-running piece of job work needs to know about the task it runs for, without knowing
 * graphile-worker: whether it may still commit, and whether it should stop early.
 */
export interface TaskLease {
  /**
   * Throws JobNoLongerMine('task-lost') when this process may no longer commit work for its task
   * (its heartbeat is stale, or the task was freed and may run elsewhere). Call it INSIDE the commit
   * transaction, so what it checks and what commits are one.
   */
  assertHeld(db: pg.ClientBase): Promise<void>;
  /** True once the process is shutting down: stop at the next boundary and hand the task back. */
  readonly stopRequested: boolean;
}

/**
 * Thrown by work that stopped at a boundary (stopRequested), or that may not start yet (its
 * workspace has no free slot): the task is queued again, untouched, to run after `delayMs`.
 */
export class HandBack extends Error {
  constructor(
    message = 'stopping at a chunk boundary: the task is handed back to be continued elsewhere',
    readonly delayMs = 0,
  ) {
    super(message);
    this.name = 'HandBack';
  }
}
