import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisProgressBus } from '../../src/progress/redisProgressBus.ts';
import type { ProgressEvent } from '../../src/jobs/progressBus.ts';
import type { AppProcess } from '../helpers/appProcess.ts';
import { fileWithSomeBadRows } from '../helpers/buildCsv.ts';
import { installImportGate } from '../helpers/importGate.ts';
import { countContacts } from '../helpers/contactsTable.ts';
import { fetchJob, subscribeProgress, uploadImport, waitForJob, wsClient, type ProgressSubscription } from '../helpers/graphqlClient.ts';
import { expectExactTotals, expectWellFormedStream } from '../helpers/jobAssertions.ts';
import { startOwnRedis, stopOwnRedis, type OwnRedis } from '../helpers/redisServer.ts';
import { startServerProcesses, type ServerProcesses } from '../helpers/serverProcess.ts';

// Redis goes away in the middle of an import, three ways, on a redis-server this file starts itself
// (never the shared one): its connections killed, paused with CLIENT PAUSE, stopped and restarted.
// The API and the worker are real processes (`src/main.ts api` and `worker`). Each time: the import
// ends with exact counts, `job` answers throughout, every subscriber gets a monotonic stream of
// states (from PostgreSQL while Redis is away) ending with the terminal one, no process dies, and
// afterwards Redis has exactly the connections it had before, the API's subscriber among them,
// subscribed again and receiving the worker's publishes.

/**
 * 300 chunks of 500 rows. On a fast machine the whole file merges within the outage, so an import
 * gate holds the job RUNNING near its end until the clients have reconnected: what follows is
 * tested mid-import whatever the machine's speed.
 */
const ROWS = 150_000;
const CHUNK_SIZE = 500;
const WORKER_CONCURRENCY = 3;
const SUBSCRIBERS = 3;

let redis: OwnRedis;
let s: ServerProcesses;
let worker: AppProcess;
beforeAll(async () => {
  redis = await startOwnRedis();
  s = await startServerProcesses('api', { REDIS_URL: redis.url, CHUNK_SIZE: String(CHUNK_SIZE), WORKER_CONCURRENCY: String(WORKER_CONCURRENCY) });
  worker = await s.start('worker');
}, 120_000);
afterAll(async () => {
  await s?.stop();
  await stopOwnRedis(redis);
});

async function until<T>(probe: () => Promise<T> | T, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** The job's processedRows as `job` answers it, every 200 ms, in the background: `job` must keep working. */
function watchJobQuery(token: string, id: string) {
  const answers: Array<{ at: number; processedRows: number; status: string }> = [];
  const failures: string[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const job = await fetchJob(s.url, token, id);
        answers.push({ at: Date.now(), processedRows: job.processedRows, status: job.status });
      } catch (err) {
        failures.push((err as Error).message);
      }
      await sleep(200);
    }
  })();
  return {
    answers,
    failures,
    latest: () => answers.at(-1),
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/** A subscriber of the test's own on the job's channel: what the worker publishes reaches Redis. */
function observeChannel(channel: string) {
  const seen: Array<{ at: number; processedRows: number }> = [];
  const observer = new Redis(redis.url, { connectionName: 'test-observer', maxRetriesPerRequest: null });
  observer.on('error', () => undefined); // killed and restarted with the rest; reconnects by itself
  observer.on('message', (_channel: string, message: string) => seen.push({ at: Date.now(), processedRows: JSON.parse(message).processedRows }));
  return { seen, ready: observer.subscribe(channel), close: () => observer.disconnect() };
}

/** The longest a subscriber waited for its next state between `from` and `to`, and when the first newer state came. */
function waits(sub: ProgressSubscription, from: number, to: number) {
  const before = sub.events.filter((_, i) => sub.receivedAt[i] < from).at(-1);
  const firstNewer = sub.receivedAt.find((at, i) => at >= from && sub.events[i].processedRows > (before?.processedRows ?? -1));
  let longest = 0;
  let previous = from;
  for (const at of sub.receivedAt.filter((at) => at >= from && at <= to)) {
    longest = Math.max(longest, at - previous);
    previous = at;
  }
  return { longestMs: Math.max(longest, to - previous), firstNewerMs: firstNewer === undefined ? undefined : firstNewer - from };
}

/** The job's processedRows, read from PostgreSQL through `job` when a Redis outage begins and just before it ends. */
interface RowsWhileAway {
  atStart: number;
  beforeEnd: number;
}

interface Outage {
  /**
   * Takes Redis away and resolves once Redis itself is back (not yet the clients). An outage that
   * lasts reports the rows processed while it lasted, read with rowsNow().
   */
  run(rowsNow: () => Promise<number>): Promise<RowsWhileAway | void>;
}

/** Imports ROWS contacts into a workspace named after the case, with `outage` happening mid-import. */
async function importThrough(label: string, outage: Outage): Promise<void> {
  const token = await s.token(label);
  const gate = await installImportGate(s.databaseUrl);
  await gate.close(ROWS - 40 * CHUNK_SIZE);
  const started = await uploadImport(s.url, token, fileWithSomeBadRows(ROWS, label));
  expect(started.errors).toBeUndefined();
  const id: string = started.data.startImport.id;
  const channel = `${s.env.REDIS_PREFIX}progress:${id}`;
  const observer = observeChannel(channel);
  await observer.ready;
  const clients = Array.from({ length: SUBSCRIBERS }, () => wsClient(s.wsUrl, token));
  const jobQuery = watchJobQuery(token, id);
  try {
    const subs = clients.map((c) => subscribeProgress(c, id));
    // The import is under way and its progress flows through Redis to every subscriber.
    await until(() => subs.every((sub) => sub.events.some((e) => e.status === 'RUNNING' && e.processedRows > 0)), 'progress before the outage');
    await until(async () => (await redis.subscribers(channel)) === 2, 'the API and the observer on the channel');
    // API: publisher and subscriber; worker: publisher.
    const before = await redis.clients();
    expect(before.length).toBe(3);

    const outageAt = Date.now();
    const whileAway = await outage.run(async () => (await fetchJob(s.url, token, id)).processedRows);
    const redisBackAt = Date.now();

    // Every process reconnects, with no connection more or less than before, and the API's
    // subscriber is on the job's channel again.
    await until(async () => (await redis.clients()).length === before.length && (await redis.subscribers(channel)) === 2, 'the clients to reconnect');
    const recoveredAt = Date.now();
    expect(jobQuery.latest()!.status).toBe('RUNNING'); // the file outlasts the outage: what follows is tested mid-import
    const rowsAtRecovery = jobQuery.latest()!.processedRows;
    await gate.open();
    // The worker publishes through Redis again: a state newer than any before recovery arrives on the channel.
    await until(() => observer.seen.some((m) => m.at > recoveredAt && m.processedRows > rowsAtRecovery), 'a publish after recovery');

    const results = await Promise.all(subs.map((sub) => sub.done));
    const job = await waitForJob(s.url, token, id);
    await jobQuery.stop();

    // Exact, as without an outage.
    expect(job.status).toBe('COMPLETED');
    expectExactTotals(job, ROWS);
    expect({ succeededRows: job.succeededRows, failedRows: job.failedRows }).toEqual({ succeededRows: ROWS - ROWS / 100, failedRows: ROWS / 100 });
    expect(await countContacts(s.databaseUrl, label)).toBe(job.succeededRows);
    // `job` answered all along.
    expect(jobQuery.failures).toEqual([]);

    for (const { events, errors } of results) {
      expect(errors).toBeUndefined();
      expectWellFormedStream(events, id);
      expect(events.at(-1)).toMatchObject({ status: 'COMPLETED', processedRows: ROWS, succeededRows: ROWS - ROWS / 100, failedRows: ROWS / 100, percent: 100 });
    }
    if (whileAway) {
      // `job` answered while Redis was away, workers did not wait for Redis, and subscribers saw it, from PostgreSQL.
      expect(jobQuery.answers.filter((a) => a.at >= outageAt && a.at <= redisBackAt).length).toBeGreaterThan(0);
      // Each task publishes after its commit: had a publish waited for Redis, every task slot would
      // have stopped after one more chunk. More chunks than slots were merged meanwhile.
      expect(whileAway.beforeEnd - whileAway.atStart).toBeGreaterThan(WORKER_CONCURRENCY * CHUNK_SIZE);
      for (const sub of subs) expect(waits(sub, outageAt, redisBackAt).firstNewerMs).toBeDefined();
    }
    const measured = subs.map((sub) => waits(sub, outageAt, recoveredAt));
    console.log(
      `[${label}] Redis away ${redisBackAt - outageAt} ms, clients back after ${recoveredAt - outageAt} ms; per subscriber: ` +
        measured.map((m) => `first newer state after ${m.firstNewerMs} ms, longest wait ${m.longestMs} ms`).join('; '),
    );

    expect(s.api.isRunning()).toBe(true);
    expect(worker.isRunning()).toBe(true);
    // Afterwards: the same connections, and the API has left the finished job's channel.
    expect((await redis.clients()).length).toBe(before.length);
    await until(async () => (await redis.subscribers(channel)) === 1, 'the API to leave the channel');
  } finally {
    await gate.remove();
    await jobQuery.stop();
    observer.close();
    await Promise.all(clients.map((c) => c.dispose()));
  }
}

describe('an import while Redis goes away', () => {
  it('should survive every Redis connection being killed, subscribers attached', async () => {
    await importThrough('killed', {
      run: async () => {
        expect(Number(await redis.admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub'))).toBeGreaterThanOrEqual(1);
        // The two publishers at least (a subscriber reconnecting meanwhile is still a normal client); SKIPME spares the test's own.
        expect(Number(await redis.admin.call('CLIENT', 'KILL', 'TYPE', 'normal'))).toBeGreaterThanOrEqual(2);
      },
    });
  }, 180_000);

  it('should survive Redis paused for 5 s (connected, answering nothing), workers never waiting on it', async () => {
    await importThrough('paused', {
      run: async (rowsNow) => {
        await redis.admin.call('CLIENT', 'PAUSE', '5000', 'ALL');
        const atStart = await rowsNow();
        await sleep(4000);
        const beforeEnd = await rowsNow();
        await redis.admin.ping(); // answered once the pause is over
        return { atStart, beforeEnd };
      },
    });
  }, 180_000);

  it('should survive Redis stopped for 4 s and started again, empty', async () => {
    await importThrough('restarted', {
      run: async (rowsNow) => {
        await redis.stop();
        const atStart = await rowsNow();
        await sleep(4000);
        const beforeEnd = await rowsNow();
        await redis.start();
        return { atStart, beforeEnd };
      },
    });
  }, 180_000);
});

describe('publishing progress while Redis is paused', () => {
  it('should return at once, before Redis answers anything, and close within its publish timeout', async () => {
    const publishTimeoutMs = 1000;
    const bus = new RedisProgressBus(redis.url, 'pause-test:', publishTimeoutMs);
    const listener = new Redis(redis.url, { connectionName: 'test-listener' });
    const event = (processedRows: number): ProgressEvent => ({
      jobId: 'j',
      status: 'RUNNING',
      totalRows: null,
      processedRows,
      succeededRows: processedRows,
      failedRows: 0,
      percent: 0,
      rowsPerSecond: null,
      etaSeconds: null,
      updatedAt: new Date().toISOString(),
    });
    try {
      const received: number[] = [];
      listener.on('message', (_c: string, m: string) => received.push(JSON.parse(m).processedRows));
      await listener.subscribe('pause-test:progress:j');
      // Connected: a publish arrives (those made before the connection is up are dropped by design).
      await until(async () => {
        await bus.publish(event(0));
        return received.length > 0;
      }, 'the bus to connect');

      await redis.admin.call('CLIENT', 'PAUSE', '3000', 'ALL');
      const unpaused = redis.admin.ping().then(() => 'unpaused');
      // One after another, as a worker publishes after each chunk: waiting on Redis even within its
      // timeout, 50 of them could never end within the pause.
      const published = (async () => {
        for (let i = 1; i <= 50; i++) await bus.publish(event(i));
        return 'published';
      })();
      expect(await Promise.race([published, unpaused])).toBe('published');
      // Closing waits for unanswered publishes at most publishTimeoutMs, well within the pause.
      const closed = bus.close().then(() => 'closed');
      expect(await Promise.race([closed, unpaused])).toBe('closed');
      await unpaused;
    } finally {
      listener.disconnect();
      await bus.close();
    }
  });
});
