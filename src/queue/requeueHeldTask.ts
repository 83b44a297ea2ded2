import type pg from 'pg';
import { withTransaction } from '../db/pool.ts';
import { queueTask, type QueueOptions } from './queueTask.ts';
import type { PayloadOf, TaskName } from './tasks.ts';

/**
 * Hands a running task back to the queue: queues it again under the same key (graphile-worker then
 * detaches the key from the running row, which completes normally), with the given payload and
 * delay, and without spending one of graphile-worker's attempts. Only while this pool still holds the
 * task (checked and locked in the same transaction): otherwise it may be running elsewhere, and
 * queueing it again would detach THAT run. Returns false, having changed nothing, in that case.
 */
export async function requeueHeldTask<T extends TaskName>(
  pool: pg.Pool,
  held: { taskId: string; poolId: string },
  task: T,
  payload: PayloadOf<T>,
  o: QueueOptions = {},
): Promise<boolean> {
  return withTransaction(pool, async (db) => {
    const mine = await db.query('SELECT 1 FROM graphile_worker._private_jobs WHERE id = $1 AND locked_by = $2 FOR UPDATE', [held.taskId, held.poolId]);
    if (mine.rowCount === 0) return false;
    await queueTask(db, task, payload, o);
    return true;
  });
}
