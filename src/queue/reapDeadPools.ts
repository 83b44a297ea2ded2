import type pg from 'pg';

/** Any constant shared by every Bulkport process: only one reaper works at a time. */
const REAPER_LOCK_KEY = 727_002;

export interface Reaped {
  /** Pool ids declared dead. */
  pools: string[];
  /** Tasks they held, now free to run again. */
  tasks: number;
  /** Database sessions of dead processes ended. */
  sessions: number;
}

/**
 * Frees the tasks of dead worker pools, so another worker resumes them at once (graphile-worker
 * itself would wait 4 hours). A pool is dead when its heartbeat is older than staleSeconds, or when
 * it holds a task but never wrote a heartbeat and its lock is that old. graphile-worker's
 * force_unlock_workers keeps `attempts` and `run_at`, so a freed task runs immediately; NOTIFY wakes
 * idle workers instead of waiting for their next poll.
 *
 * It also ends the database sessions of every process none of whose pools is alive: a worker that
 * was only paused (a long GC, a frozen VM) would otherwise wake inside an open transaction and hold
 * the locks its successor waits for, or commit after its task was handed over.
 *
 * Runs in ONE transaction under a transaction-level advisory lock: several reapers (one per worker
 * process) never unlock the same pool twice, and a crash mid-way changes nothing.
 */
export async function reapDeadPools(db: pg.ClientBase, staleSeconds: number): Promise<Reaped> {
  await db.query('BEGIN');
  try {
    const lock = await db.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [REAPER_LOCK_KEY]);
    if (!lock.rows[0].ok) {
      await db.query('COMMIT');
      return { pools: [], tasks: 0, sessions: 0 };
    }
    const { rows } = await db.query<{ pool_id: string }>(
      `SELECT pool_id FROM worker_heartbeats WHERE last_seen < now() - make_interval(secs => $1)
       UNION
       SELECT DISTINCT j.locked_by FROM graphile_worker._private_jobs j
       WHERE j.locked_by IS NOT NULL AND j.locked_at < now() - make_interval(secs => $1)
         AND NOT EXISTS (SELECT 1 FROM worker_heartbeats h WHERE h.pool_id = j.locked_by)`,
      [staleSeconds],
    );
    const pools = rows.map((r) => r.pool_id);
    let tasks = 0;
    let sessions = 0;
    if (pools.length > 0) {
      const held = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM graphile_worker._private_jobs WHERE locked_by = ANY($1)`, [pools]);
      tasks = held.rows[0].n;
      const ended = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (
           SELECT pg_terminate_backend(a.pid) FROM pg_stat_activity a
           WHERE a.pid <> pg_backend_pid() AND a.application_name IN (
             SELECT 'bulkport-' || d.process_id FROM worker_heartbeats d
             WHERE d.pool_id = ANY($1)
               AND NOT EXISTS (SELECT 1 FROM worker_heartbeats h
                               WHERE h.process_id = d.process_id AND h.last_seen >= now() - make_interval(secs => $2)))) t`,
        [pools, staleSeconds],
      );
      sessions = ended.rows[0].n;
      await db.query('SELECT graphile_worker.force_unlock_workers($1::text[])', [pools]);
      await db.query('DELETE FROM worker_heartbeats WHERE pool_id = ANY($1)', [pools]);
      if (tasks > 0) await db.query(`NOTIFY "jobs:insert"`);
    }
    await db.query('COMMIT');
    return { pools, tasks, sessions };
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
