import type pg from 'pg';

/** The application_name of a worker process's database sessions. */
export const sessionName = (processId: string) => `bulkport-${processId}`;

/** Marks a worker pool alive now (PostgreSQL's clock: every process agrees on one clock). */
export async function recordHeartbeat(db: pg.ClientBase, pool: { id: string; processId: string; pid: number; host: string }): Promise<void> {
  await db.query(
    `INSERT INTO worker_heartbeats (pool_id, process_id, pid, host) VALUES ($1, $2, $3, $4)
     ON CONFLICT (pool_id) DO UPDATE SET last_seen = now()`,
    [pool.id, pool.processId, pool.pid, pool.host],
  );
}

/** A pool that exits cleanly removes its row after its last write. */
export async function removeHeartbeat(db: pg.ClientBase | pg.Pool, poolId: string): Promise<void> {
  await db.query(`DELETE FROM worker_heartbeats WHERE pool_id = $1`, [poolId]);
}
