import type pg from 'pg';

/**
 * True when graphile-worker's task `taskId` is still locked by worker pool `poolId`. Read in a
 * commit transaction, it tells a worker whether it may still commit for that task: once the reaper
 * (or an operator) has freed it, another worker may be running it.
 */
export async function taskHeldBy(db: pg.ClientBase | pg.Pool, taskId: string, poolId: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM graphile_worker._private_jobs WHERE id = $1 AND locked_by = $2', [taskId, poolId]);
  return rows.length > 0;
}
