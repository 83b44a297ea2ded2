import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { freePort } from '../helpers/appProcess.ts';
import { fileWithSomeBadRows } from '../helpers/buildCsv.ts';
import { importAndWait, subscribeProgress, uploadImport, waitForJob, wsClient } from '../helpers/graphqlClient.ts';
import { startOwnPostgres } from '../helpers/ownPostgres.ts';
import { startOwnRedis } from '../helpers/redisServer.ts';
import { startServerProcesses } from '../helpers/serverProcess.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

/** Every metric the README's Observability section documents. */
const METRICS = [
  'bulkport_rows_processed_total',
  'bulkport_rows_failed_total',
  'bulkport_job_duration_seconds',
  'bulkport_queue_waiting_tasks',
  'bulkport_tasks_running',
  'bulkport_worker_heartbeats_total',
  'bulkport_reaped_pools_total',
  'bulkport_forced_unlocks_total',
  'bulkport_restages_total',
  'bulkport_active_subscriptions',
  'bulkport_postgres_up',
  'bulkport_redis_up',
];

const origin = (graphqlUrl: string) => new URL(graphqlUrl).origin;

async function getText(url: string): Promise<{ status: number; type: string; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

/** The value of one sample in Prometheus text format (`name{labels} value`), or undefined when absent. */
function sample(exposition: string, name: string, labels = ''): number | undefined {
  const line = exposition.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The body of /readyz once it answers 200. A process that has just started may still be opening its
 * Redis connection, and says not ready until then: that is correct, so the test waits (10 s at most).
 */
async function readyOnceConnected(base: string): Promise<unknown> {
  return until(
    'readyz 200',
    async () => {
      const r = await getText(`${base}/readyz`);
      return r.status === 200 ? (JSON.parse(r.body) as unknown) : undefined;
    },
    10_000,
  );
}

describe('the API’s /metrics, /healthz and /readyz', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ chunkSize: 100, heartbeatIntervalMs: 200 });
  });
  afterAll(() => t?.stop());

  it('should answer /healthz and /readyz with 200 when PostgreSQL and Redis answer and every migration is applied', async () => {
    const health = await getText(`${origin(t.url)}/healthz`);
    expect({ status: health.status, body: JSON.parse(health.body) }).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await readyOnceConnected(origin(t.url))).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok', redis: 'ok' } });
  });

  it('should expose every documented metric, with the rows of a real import counted exactly by entity', async () => {
    const token = await t.token('metrics');
    const job = await importAndWait(t.url, token, fileWithSomeBadRows(450, 'metrics'));
    expect(job).toMatchObject({ status: 'COMPLETED', processedRows: 450, failedRows: 4 });

    const metrics = await getText(`${origin(t.url)}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.type).toMatch(/^text\/plain/);
    for (const name of METRICS) expect(metrics.body, name).toContain(`# TYPE ${name} `);
    expect(sample(metrics.body, 'bulkport_rows_processed_total', 'entity="CONTACTS"')).toBe(450);
    expect(sample(metrics.body, 'bulkport_rows_failed_total', 'entity="CONTACTS"')).toBe(4);
    expect(sample(metrics.body, 'bulkport_job_duration_seconds_count', 'kind="IMPORT",status="COMPLETED"')).toBe(1);
    expect(sample(metrics.body, 'bulkport_postgres_up')).toBe(1);
    expect(sample(metrics.body, 'bulkport_redis_up')).toBe(1);
    expect(sample(metrics.body, 'bulkport_active_subscriptions')).toBe(0);
    // The job may complete (its last merge) a moment before the stage task returns: wait for both to be done.
    await until('no task running', async () => {
      const body = (await getText(`${origin(t.url)}/metrics`)).body;
      // A task that never ran (no merge: the chunks went straight in) has no series yet.
      const running = ['import_stage', 'import_merge'].map((task) => sample(body, 'bulkport_tasks_running', `task="${task}"`) ?? 0);
      return running.every((n) => n === 0) ? true : undefined;
    });
    expect(sample(metrics.body, 'bulkport_worker_heartbeats_total', 'result="ok"')).toBeGreaterThan(0);
  });

  it('should count a failed import’s duration under its status', async () => {
    const token = await t.token('metrics-failed');
    const job = await importAndWait(t.url, token, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0])); // a zip, not a CSV
    expect(job.status).toBe('FAILED');
    const metrics = await getText(`${origin(t.url)}/metrics`);
    expect(sample(metrics.body, 'bulkport_job_duration_seconds_count', 'kind="IMPORT",status="FAILED"')).toBe(1);
  });

  it('should count the tasks its reaper frees from a dead worker pool', async () => {
    const db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
    try {
      // A pool of another process that died 30 s ago holding a task (the sweeper's: harmless when it runs here).
      await db.query(
        `INSERT INTO worker_heartbeats (pool_id, process_id, pid, host, last_seen) VALUES ('pool-dead-metrics', 'proc-dead', 1, 'elsewhere', now() - interval '30 seconds')`,
      );
      const { rows } = await db.query<{ id: string }>(
        `SELECT id FROM graphile_worker.add_job('sweep_stuck_jobs', '{}'::json, run_at := now() + interval '1 hour')`,
      );
      await db.query(`UPDATE graphile_worker._private_jobs SET locked_by = 'pool-dead-metrics', locked_at = now() - interval '30 seconds' WHERE id = $1`, [
        rows[0].id,
      ]);
    } finally {
      await db.end();
    }
    const body = await until('the reaper to free the task', async () => {
      const text = (await getText(`${origin(t.url)}/metrics`)).body;
      return sample(text, 'bulkport_forced_unlocks_total') === 1 ? text : undefined;
    });
    expect(sample(body, 'bulkport_reaped_pools_total')).toBe(1);
  });

  it('should say not ready while a shipped migration is not recorded as applied', async () => {
    const db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query<{ name: string }>(`SELECT migration_name AS name FROM "_prisma_migrations" ORDER BY migration_name DESC LIMIT 1`);
      await db.query(`UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = $1`, [rows[0].name]);
      try {
        const ready = await getText(`${origin(t.url)}/readyz`);
        expect({ status: ready.status, body: JSON.parse(ready.body) }).toMatchObject({
          status: 503,
          body: { status: 'unavailable', checks: { database: 'ok', migrations: `not applied: ${rows[0].name}` } },
        });
      } finally {
        await db.query(`UPDATE "_prisma_migrations" SET rolled_back_at = NULL WHERE migration_name = $1`, [rows[0].name]);
      }
      expect((await getText(`${origin(t.url)}/readyz`)).status).toBe(200);
    } finally {
      await db.end();
    }
  });
});

describe('an API process with no worker', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({}, 'api');
  });
  afterAll(() => t?.stop());

  it('should count the queued task no worker has taken and the live subscribers it serves', async () => {
    const token = await t.token('metrics-queue');
    const started = await uploadImport(t.url, token, fileWithSomeBadRows(10, 'queued'));
    expect(started.errors).toBeUndefined();
    const metricsOf = async () => (await getText(`${origin(t.url)}/metrics`)).body;
    expect(sample(await metricsOf(), 'bulkport_queue_waiting_tasks', 'task="import_stage"')).toBe(1);

    const client = wsClient(t.wsUrl, token);
    try {
      const subscription = subscribeProgress(client, started.data.startImport.id);
      expect((await subscription.first).status).toBe('QUEUED');
      expect(sample(await metricsOf(), 'bulkport_active_subscriptions')).toBe(1);
      subscription.unsubscribe();
      await until('the subscriber to be gone', async () => (sample(await metricsOf(), 'bulkport_active_subscriptions') === 0 ? true : undefined));
    } finally {
      await client.dispose();
    }
  });
});

describe('/readyz when a dependency goes away', () => {
  it('should answer 200, then 503 while its Redis is unreachable, with /healthz still 200, then 200 again', async () => {
    const redis = await startOwnRedis();
    let t: TestApp | undefined;
    try {
      t = await startTestApp({ redisUrl: redis.url });
      const base = origin(t.url);
      await readyOnceConnected(base);
      await redis.stop();
      const down = await until('readyz 503', async () => {
        const r = await getText(`${base}/readyz`);
        return r.status === 503 ? r : undefined;
      });
      expect(JSON.parse(down.body)).toEqual({ status: 'unavailable', checks: { database: 'ok', migrations: 'ok', redis: 'unreachable' } });
      expect((await getText(`${base}/healthz`)).status).toBe(200);
      expect(sample((await getText(`${base}/metrics`)).body, 'bulkport_redis_up')).toBe(0);
      await redis.start();
      await until('readyz 200 again', async () => ((await getText(`${base}/readyz`)).status === 200 ? true : undefined));
    } finally {
      await t?.stop();
      await redis.stop();
    }
  });

  it('should answer 503 from the start when its Redis port has nothing listening', async () => {
    const t = await startTestApp({ redisUrl: `redis://127.0.0.1:${await freePort()}` });
    try {
      const ready = await getText(`${origin(t.url)}/readyz`);
      expect({ status: ready.status, body: JSON.parse(ready.body) }).toEqual({
        status: 503,
        body: { status: 'unavailable', checks: { database: 'ok', migrations: 'ok', redis: 'unreachable' } },
      });
      expect((await getText(`${origin(t.url)}/healthz`)).status).toBe(200);
    } finally {
      await t.stop();
    }
  });

  it('should answer 503 while PostgreSQL is down, and 200 once it is back', async () => {
    const own = await startOwnPostgres();
    let t: TestApp | undefined;
    try {
      t = await startTestApp({ databaseUrl: own.url });
      const base = origin(t.url);
      await readyOnceConnected(base);
      const statuses: number[] = [];
      let restarting = true;
      const polling = (async () => {
        while (restarting) {
          statuses.push((await getText(`${base}/readyz`)).status);
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      await own.crashRestart(3000);
      await until('readyz 200 after the restart', async () => ((await getText(`${base}/readyz`)).status === 200 ? true : undefined));
      restarting = false;
      await polling;
      expect(statuses).toContain(503);
      expect((await getText(`${base}/healthz`)).status).toBe(200);
    } finally {
      await t?.stop();
      await own.stop();
    }
  }, 120_000);
});

describe('a worker process', () => {
  it('should serve /metrics, /healthz and /readyz on METRICS_PORT and log every line about a job with its id, workspace, task and chunk', async () => {
    const s = await startServerProcesses('api', { LOG_FORMAT: 'json', LOG_LEVEL: 'debug', CHUNK_SIZE: '100' });
    try {
      const metricsPort = await freePort();
      const worker = await s.start('worker', { METRICS_PORT: String(metricsPort) });
      const base = `http://127.0.0.1:${metricsPort}`;
      expect((await getText(`${base}/healthz`)).status).toBe(200);
      expect(await readyOnceConnected(base)).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok', redis: 'ok' } });
      expect((await getText(`${base}/graphql`)).status).toBe(404);

      const token = await s.token('worker-metrics');
      const file = fileWithSomeBadRows(300, 'worker');
      const started = await uploadImport(s.url, token, file);
      expect(started.errors).toBeUndefined();
      const jobId: string = started.data.startImport.id;
      expect(await waitForJob(s.url, token, jobId)).toMatchObject({ status: 'COMPLETED', processedRows: 300, failedRows: 3 });

      const metrics = await getText(`${base}/metrics`);
      for (const name of METRICS) expect(metrics.body, name).toContain(`# TYPE ${name} `);
      expect(sample(metrics.body, 'bulkport_rows_processed_total', 'entity="CONTACTS"')).toBe(300);
      expect(sample(metrics.body, 'bulkport_rows_failed_total', 'entity="CONTACTS"')).toBe(3);

      // The same file again: its first chunk meets existing keys, so the direct path is refused (and says so once).
      const again = await uploadImport(s.url, token, file, { duplicateStrategy: 'UPDATE' });
      const againId: string = again.data.startImport.id;
      expect(await waitForJob(s.url, token, againId)).toMatchObject({ status: 'COMPLETED', processedRows: 300 });
      const workspaceId = await workspaceIdOf(s.databaseUrl, 'worker-metrics');
      const lines = fs
        .readFileSync(worker.logPath, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('{'));
      const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      const aboutJob = entries.filter((e) => e.jobId === jobId);
      // Every line that names the job carries the rest of its context.
      for (const e of aboutJob) expect(e).toMatchObject({ jobId, workspace: workspaceId, task: expect.any(String) });
      // Each chunk is merged once: by a merge task, or straight from the stage task (DIRECT_CHUNKS).
      const merges = aboutJob.filter((e) => (e.task === 'import_merge' && e.msg === 'import_merge done') || e.msg === 'chunk merged directly');
      expect(merges.map((e) => e.chunk).sort((a, b) => Number(a) - Number(b))).toEqual([0, 1, 2]);
      expect(aboutJob.some((e) => e.task === 'import_stage' && e.msg === 'import_stage done')).toBe(true);
      const refusals = entries.filter((e) => e.jobId === againId && String(e.msg).startsWith('direct path refused'));
      expect(refusals).toEqual([expect.objectContaining({ level: 30, task: 'import_stage', chunk: 0, workspace: workspaceId })]);
      expect(refusals[0].msg).toContain('a key of this chunk already exists');
      expect(entries.some((e) => e.jobId === jobId && String(e.msg).startsWith('direct path refused'))).toBe(false);
      // graphile-worker's own lines go through pino too: JSON, with its task's name.
      expect(entries.some((e) => e.component === 'queue')).toBe(true);
    } finally {
      await s.stop();
    }
  }, 120_000);
});

async function workspaceIdOf(databaseUrl: string, name: string): Promise<string> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    return (await db.query<{ id: string }>('SELECT id FROM workspaces WHERE name = $1', [name])).rows[0].id;
  } finally {
    await db.end();
  }
}
