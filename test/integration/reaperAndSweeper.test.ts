import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/migrate.ts';
import { createPool } from '../../src/db/pool.ts';
import { sweepStuckJobs } from '../../src/jobs/state/sweepStuckJobs.ts';
import { reapDeadPools } from '../../src/queue/reapDeadPools.ts';
import { createTestDatabase } from '../helpers/testDatabase.ts';

// The reaper and the sweeper, each run directly on rows they did not create: tasks locked by pools
// that never existed in this process, heartbeats written by hand, jobs inserted by SQL.
let db: { url: string; drop: () => Promise<void> };
let pool: pg.Pool;
let client: pg.Client;
let workspaceId: string;
beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 4);
  await migrate(pool);
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
  workspaceId = (await pool.query<{ id: string }>(`INSERT INTO workspaces (id, name) VALUES (gen_random_uuid(), 'reaper') RETURNING id`)).rows[0].id;
});
afterAll(async () => {
  await client?.end();
  await pool?.end();
  await db?.drop();
});

/** Queues a task for jobId and locks it as pool `lockedBy` did `secondsAgo` ago (null: not locked). */
async function task(jobId: string, lockedBy: string | null, secondsAgo = 0, attempts = 1): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(
    `SELECT id FROM graphile_worker.add_job('import_merge', json_build_object('jobId', $1::text, 'n', $2::text))`,
    [jobId, randomUUID()],
  );
  await pool.query(
    `UPDATE graphile_worker._private_jobs SET locked_by = $2, locked_at = CASE WHEN $2::text IS NULL THEN NULL ELSE now() - make_interval(secs => $3) END, attempts = $4 WHERE id = $1`,
    [rows[0].id, lockedBy, secondsAgo, attempts],
  );
  return rows[0].id;
}

async function heartbeat(poolId: string, processId: string, secondsAgo: number): Promise<void> {
  await pool.query(`INSERT INTO worker_heartbeats (pool_id, process_id, pid, host, last_seen) VALUES ($1, $2, 1, 'test', now() - make_interval(secs => $3))`, [
    poolId,
    processId,
    secondsAgo,
  ]);
}

async function lockOf(taskId: string): Promise<{ locked_by: string | null; attempts: number }> {
  return (await pool.query(`SELECT locked_by, attempts FROM graphile_worker._private_jobs WHERE id = $1`, [taskId])).rows[0];
}

describe('the reaper', () => {
  it('should free the tasks of a pool whose heartbeat is stale, keep their attempts, and forget the pool', async () => {
    await heartbeat('pool-dead', 'proc-dead', 30);
    const a = await task(randomUUID(), 'pool-dead', 30, 2);
    const b = await task(randomUUID(), 'pool-dead', 12, 1);
    const reaped = await reapDeadPools(client, 10);
    expect(reaped).toMatchObject({ pools: ['pool-dead'], tasks: 2 });
    expect(await lockOf(a)).toEqual({ locked_by: null, attempts: 2 });
    expect(await lockOf(b)).toEqual({ locked_by: null, attempts: 1 });
    expect((await pool.query(`SELECT 1 FROM worker_heartbeats WHERE pool_id = 'pool-dead'`)).rowCount).toBe(0);
  });

  it('should leave a live pool alone, however long it has held its task', async () => {
    await heartbeat('pool-live', 'proc-live', 1);
    const held = await task(randomUUID(), 'pool-live', 3600);
    const reaped = await reapDeadPools(client, 10);
    expect(reaped.pools).not.toContain('pool-live');
    expect((await lockOf(held)).locked_by).toBe('pool-live');
  });

  it('should free a lock of a pool that never wrote a heartbeat only once the lock is older than the threshold', async () => {
    const old = await task(randomUUID(), 'pool-silent-old', 30);
    const young = await task(randomUUID(), 'pool-silent-young', 2);
    const reaped = await reapDeadPools(client, 10);
    expect(reaped.pools).toContain('pool-silent-old');
    expect(reaped.pools).not.toContain('pool-silent-young');
    expect((await lockOf(old)).locked_by).toBeNull();
    expect((await lockOf(young)).locked_by).toBe('pool-silent-young');
  });

  it('should end the database sessions of a dead process, but not of a process that has another live pool', async () => {
    await heartbeat('pool-zombie', 'proc-zombie', 30);
    await heartbeat('pool-restarted-old', 'proc-restarted', 30);
    await heartbeat('pool-restarted-new', 'proc-restarted', 0);
    const zombie = new pg.Client({ connectionString: db.url, application_name: 'bulkport-proc-zombie' });
    const restarted = new pg.Client({ connectionString: db.url, application_name: 'bulkport-proc-restarted' });
    zombie.on('error', () => undefined);
    restarted.on('error', () => undefined);
    await zombie.connect();
    await restarted.connect();
    try {
      await zombie.query('BEGIN');
      await zombie.query(`SELECT 1`);
      const reaped = await reapDeadPools(client, 10);
      expect(reaped.pools).toEqual(expect.arrayContaining(['pool-zombie', 'pool-restarted-old']));
      expect(reaped.sessions).toBe(1);
      await expect(zombie.query('COMMIT')).rejects.toThrow();
      await expect(restarted.query('SELECT 1')).resolves.toBeDefined();
    } finally {
      await zombie.end().catch(() => undefined);
      await restarted.end().catch(() => undefined);
    }
  });

  it('should let only one of two reapers running at once do the work', async () => {
    await heartbeat('pool-twice', 'proc-twice', 30);
    await task(randomUUID(), 'pool-twice', 30);
    const other = new pg.Client({ connectionString: db.url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT pg_advisory_xact_lock(727002)'); // what a running reaper holds
      expect(await reapDeadPools(client, 10)).toEqual({ pools: [], tasks: 0, sessions: 0 });
      await other.query('COMMIT');
      expect((await reapDeadPools(client, 10)).pools).toEqual(['pool-twice']);
    } finally {
      await other.end();
    }
  });
});

describe('the sweeper', () => {
  async function job(status: string, updatedSecondsAgo: number): Promise<string> {
    const id = randomUUID();
    await pool.query(
      `INSERT INTO jobs (id, workspace_id, kind, entity, status, updated_at) VALUES ($1, $2, 'IMPORT', 'CONTACTS', $3, now() - make_interval(secs => $4))`,
      [id, workspaceId, status, updatedSecondsAgo],
    );
    return id;
  }
  const statusOf = async (id: string) => (await pool.query(`SELECT status, failure_reason FROM jobs WHERE id = $1`, [id])).rows[0];

  it('should fail a RUNNING job that has no task left and has not moved for a while, with a reason', async () => {
    const stuck = await job('RUNNING', 600);
    const swept = await sweepStuckJobs(pool, 120);
    expect(swept.map((j) => j.id)).toContain(stuck);
    expect(await statusOf(stuck)).toEqual({
      status: 'FAILED',
      failure_reason: 'processing stopped unexpectedly and could not be resumed; start the job again',
    });
  });

  it('should fail a job whose only task has used up its attempts', async () => {
    const exhausted = await job('QUEUED', 600);
    await task(exhausted, null, 0, 25);
    await sweepStuckJobs(pool, 120);
    expect((await statusOf(exhausted)).status).toBe('FAILED');
  });

  it('should leave alone a slow job with a live task, a recent job, and an ended job', async () => {
    const slow = await job('RUNNING', 3600);
    await heartbeat('pool-slow', 'proc-slow', 0);
    await task(slow, 'pool-slow', 3600);
    const waiting = await job('QUEUED', 3600);
    await task(waiting, null);
    const recent = await job('RUNNING', 5);
    const done = await job('COMPLETED', 3600);
    const swept = (await sweepStuckJobs(pool, 120)).map((j) => j.id);
    for (const id of [slow, waiting, recent, done]) expect(swept).not.toContain(id);
    expect((await statusOf(slow)).status).toBe('RUNNING');
    expect((await statusOf(done)).status).toBe('COMPLETED');
  });
});
