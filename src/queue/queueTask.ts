import type pg from 'pg';
import { DEFERRED_CHUNK, keyOf, type PayloadOf, type TaskName } from './tasks.ts';

export interface QueueOptions {
  /** Run no earlier than this many milliseconds from now. @default 0 */
  delayMs?: number;
  /**
   * What to do when a task with the same key exists. 'replace' (graphile-worker's default) updates a
   * waiting one, or, if it is running, detaches it and queues a fresh one; 'unsafe_dedupe' leaves any
   * existing one, running or not, alone. @default 'replace'
   */
  keyMode?: 'replace' | 'unsafe_dedupe';
  /** graphile-worker runs lower numbers first. @default priorityOf(task, payload) */
  priority?: number;
}

/**
 * Fair scheduling, with no bookkeeping of our own: graphile-worker takes tasks by priority, then age.
 * A merge's priority is its chunk number, so chunk 0 of an import that arrives while a 5,000,000-row
 * import is at chunk 300 runs before that import's chunk 301: small jobs overtake big ones, and two
 * big imports interleave chunk by chunk. Tasks that start or end a job go first; cleanups go last.
 */
export function priorityOf<T extends TaskName>(task: T, payload: PayloadOf<T>): number {
  if (task === 'import_merge') {
    const chunk = (payload as PayloadOf<'import_merge'>).chunk;
    return chunk === DEFERRED_CHUNK ? MAX_PRIORITY - 1 : Math.min(chunk, MAX_PRIORITY - 1);
  }
  if (task === 'import_cleanup') return MAX_PRIORITY;
  return 0;
}

/** graphile-worker's priority is a smallint. */
const MAX_PRIORITY = 32_767;

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
       max_attempts := $5, job_key_mode := $6, priority := $7)`,
    [task, JSON.stringify(payload), keyOf(task, payload), o.delayMs ?? 0, MAX_CLAIMS, o.keyMode ?? 'replace', o.priority ?? priorityOf(task, payload)],
  );
}
