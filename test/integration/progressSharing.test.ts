import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { validContactsCsv } from '../helpers/buildCsv.ts';
import { subscribeProgress, uploadImport, wsClient, type ProgressSubscription } from '../helpers/graphqlClient.ts';
import { REDIS_URL, startTestApp, type TestApp } from '../helpers/testApp.ts';

// With no worker, a job stays QUEUED and nothing is published: every state its subscribers get comes
// from the API process re-reading PostgreSQL, which is what is counted here.

/** Counts the queries a pool runs that read the jobs table (a spy on the real pool; the queries still run). */
function countJobReads(pool: pg.Pool): { count: () => number; restore: () => void } {
  const original = pool.query;
  let n = 0;
  pool.query = function (this: pg.Pool, ...args: unknown[]) {
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text;
    if (text && /\bFROM jobs\b/.test(text)) n++;
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof pool.query;
  return { count: () => n, restore: () => void (pool.query = original) };
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('subscribers of one job in one API process', () => {
  let t: TestApp;
  let token: string;
  let redis: Redis;
  beforeAll(async () => {
    t = await startTestApp({}, 'api');
    token = await t.token('sharing');
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    redis?.disconnect();
    await t?.stop();
  });

  it('should share one poller and one Redis subscription among them, and release both when the last one leaves', async () => {
    const started = await uploadImport(t.url, token, validContactsCsv(10, 'shared'));
    const id = started.data.startImport.id;
    const channel = `${t.app.services.config.redisPrefix}progress:${id}`;
    const watches = t.app.services.watches!;
    const quietMs = t.app.services.config.progressPollMs;

    // 20 subscribers over 4 connections.
    const clients = Array.from({ length: 4 }, () => wsClient(t.wsUrl, token));
    const subs: ProgressSubscription[] = clients.flatMap((c) => Array.from({ length: 5 }, () => subscribeProgress(c, id)));
    try {
      for (const sub of subs) expect(await sub.first).toMatchObject({ jobId: id, status: 'QUEUED' });
      expect(watches.stats()).toMatchObject({ jobs: 1, subscribers: 20 });
      await until(async () => (await redis.pubsub('NUMSUB', channel))[1] === 1, 'the job channel to be subscribed');

      const reads = countJobReads(t.app.apiPool!);
      const eventsBefore = subs.map((s) => s.events.length);
      const windowMs = quietMs * 4;
      await sleep(windowMs);
      reads.restore();
      // One poller: about one read per quiet interval in all. One per subscriber would be about 20 times as many.
      expect(reads.count()).toBeGreaterThanOrEqual(1);
      expect(reads.count()).toBeLessThanOrEqual(windowMs / quietMs + 1);
      // And every read reached every subscriber.
      subs.forEach((s, i) => expect(s.events.length - eventsBefore[i]).toBeGreaterThanOrEqual(1));
      expect(Number((await redis.pubsub('NUMSUB', channel))[1])).toBe(1);

      // Leaving: some unsubscribe, the others' connections close.
      for (const sub of subs.slice(0, 5)) sub.unsubscribe();
      await until(() => watches.stats().subscribers === 15, 'five subscribers to leave');
      expect(watches.stats().jobs).toBe(1);
      await Promise.all(clients.map((c) => c.dispose()));
      await until(() => watches.stats().jobs === 0 && watches.stats().subscribers === 0, 'the watch to stop');
      await until(async () => Number((await redis.pubsub('NUMSUB', channel))[1]) === 0, 'the job channel to be unsubscribed');

      // No timer is left polling for nobody.
      const after = countJobReads(t.app.apiPool!);
      await sleep(quietMs * 3);
      after.restore();
      expect(after.count()).toBe(0);
    } finally {
      await Promise.all(clients.map((c) => c.dispose()));
    }
  });
});

describe('stopping the app while subscriptions are live', () => {
  it('should close their connections with 1001 and stop without touching its closed database pool', async () => {
    const t = await startTestApp({}, 'api');
    const clients: ReturnType<typeof wsClient>[] = [];
    const problems: string[] = [];
    const record = (...args: unknown[]) => void problems.push(args.map(String).join(' '));
    const spies = [vi.spyOn(console, 'error').mockImplementation(record), vi.spyOn(console, 'warn').mockImplementation(record)];
    const onRejection = (reason: unknown) => record('unhandled rejection:', reason);
    process.on('unhandledRejection', onRejection);
    try {
      const token = await t.token('stopping');
      const started = await uploadImport(t.url, token, validContactsCsv(10, 'stopping'));
      const id = started.data.startImport.id;
      clients.push(...Array.from({ length: 3 }, () => wsClient(t.wsUrl, token)));
      const subs = clients.map((c) => subscribeProgress(c, id));
      for (const sub of subs) await sub.first;
      await sleep(t.app.services.config.progressPollMs * 1.5); // the watch's re-reads are running, as on any live server

      await t.stop();
      for (const sub of subs) {
        const { events, errors } = await sub.done;
        expect(events.at(-1)).toMatchObject({ jobId: id, status: 'QUEUED' });
        expect(errors).toMatchObject({ code: 1001 }); // going away: reconnect elsewhere, the job goes on
      }
      await sleep(t.app.services.config.progressPollMs * 2); // a watch left polling would fail by now
      expect(problems).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
      for (const spy of spies) spy.mockRestore();
      await Promise.all(clients.map((c) => c.dispose()));
    }
  });
});
