import type pg from 'pg';
import { keyOf, type PayloadOf, type TaskName } from './tasks.ts';

export interface QueueOptions {
  /** Run no earlier than this many milliseconds from now. @default 0 */
  delayMs?: number;
  /**
   * What to do when a task with the same key exists. 'replace' (graphile-worker's default) updates a
   * waiting one, or, if it is running, detaches it and queues a fresh one; 'unsafe_dedupe' leaves any
   * existing one, running or not, alone. @default 'replace'
   */
  keyMode?: 'replace' | 'unsafe_dedupe';
}

/**
 * graphile-worker gives up on a task after this many claims. Our own retry count lives in the
 * payload (worker/runJobTask.ts), so this only bounds a task that kills its worker every time.
 */
const MAX_CLAIMS = 25;

/**
 * Queues a task in the caller's transaction (or on its own): it becomes visible exactly when the
 * state that makes it necessary commits.
 */
export async function queueTask<T extends TaskName>(db: pg.ClientBase | pg.Pool, task: T, payload: PayloadOf<T>, o: QueueOptions = {}): Promise<void> {
  await db.query(
    `SELECT graphile_worker.add_job($1, $2::json, job_key := $3, run_at := now() + make_interval(secs => $4::float8 / 1000),
       max_attempts := $5, job_key_mode := $6)`,
    [task, JSON.stringify(payload), keyOf(task, payload), o.delayMs ?? 0, MAX_CLAIMS, o.keyMode ?? 'replace'],
  );
}
