/**
 * Progress latency, as a user sees it: 100 graphql-ws subscribers (one connection each) watch one
 * import of 1,000,000 generated contacts, and each one records, for every event, when it arrived.
 *
 * - DELAY of an event: its arrival minus JobProgress.updatedAt, the time the statement that wrote the
 *   state it shows ran, just before that state's commit (clock_timestamp() in the same transaction;
 *   PostgreSQL, the API and this process share the machine's clock). Counted once per new state per
 *   subscriber: an event whose status and counters equal the previous one is a repeat (the re-read
 *   of a quiet job), not news. Only states committed after the subscriber held its first event count:
 *   before that it was still connecting, and that wait is printed apart (subscribing → first event).
 *   The 100 subscribers connect at once right after the upload, while the worker starts on the file.
 * - GAP: the time between two consecutive events of one subscriber, from its first event to the
 *   terminal one, that is while rows are being processed: how long a user waits for the next event.
 *
 * Two deployments, in the same run, each measured `runs` times, alternating:
 * - Redis: `npm run api` and `npm run worker` apart, progress through Redis pub/sub (REDIS_URL set).
 *   The baseline: the benchmark's own Redis subscription to the job's channel; "Redis delivered"
 *   minus updatedAt is the worker's and Redis's share (commit → publish → Redis → a subscriber).
 * - in-process: `npm start` (role all) without REDIS_URL, the API and worker in one process with the
 *   in-process bus, as the quick start runs.
 * Targets (issue 11): delay p99 < 250 ms, and no gap over 1 s.
 *
 *   npx tsx bench/progress.ts [rows=1000000] [runs=2] [subscribers=100]   (npm run bench:progress)
 *
 * Environment: as bench:import (DATABASE_URL, REDIS_URL, CHUNK_SIZE, PROGRESS_POLL_MS, ...);
 * BENCH_TIMEOUT_S bounds each import (default 600).
 */
import { join } from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { loadConfig } from '../src/config.ts';
import { sourceRevision, type AppProcess } from '../test/helpers/appProcess.ts';
import { checkpoint, withClient } from './benchDatabase.ts';
import { cleaningUp, onCleanup, runBench } from './benchLifecycle.ts';
import {
  REDIS_URL,
  createBenchServices,
  createTokens,
  n,
  positiveArg,
  printTable,
  quantile,
  startApi,
  startWorker,
  verdict,
  type BenchServices,
} from './benchServices.ts';
import { generateContactsCsv } from './generateContacts.ts';
import { uploadImport } from './importClient.ts';
import { disturbance } from './importReport.ts';
import { ForeignCpuTracker } from './procStats.ts';

const TARGETS = { delayP99Ms: 250, gapMs: 1000 };
const SUBSCRIPTION = `subscription($id: ID!) { jobProgress(jobId: $id) { status totalRows processedRows failedRows percent updatedAt } }`;

type Mode = 'Redis' | 'in-process';

interface Event {
  status: string;
  totalRows: number | null;
  processedRows: number;
  failedRows: number;
  percent: number;
  updatedAt: string;
}

interface Received {
  /** Wall-clock ms (sub-millisecond) of arrival. */
  at: number;
  /** updatedAt as epoch ms. */
  stamp: number;
  event: Event;
}

interface Subscriber {
  client: Client;
  subscribedAt: number;
  received: Received[];
  done: Promise<void>;
  error?: string;
}

interface RunResult {
  mode: Mode;
  run: number;
  subscribers: number;
  /** Subscribers that received the COMPLETED event. */
  completed: number;
  errors: string[];
  /** Each subscriber's wait from subscribing (a new connection) to its first event. */
  firstEvents: number[];
  delays: number[];
  /** Longest gap of each subscriber. */
  maxGaps: number[];
  /** The longest gap of the run, and where it was. */
  worstGap: { ms: number; afterRows: number; endedByRepeat: boolean };
  gapsOverTarget: number;
  events: number;
  repeats: number;
  /** Redis mode: Redis delivered the publish − updatedAt, one per publish. */
  tapDelays: number[];
  importSeconds: number;
  othersShare: number;
}

const wallNow = () => performance.timeOrigin + performance.now();
const ms = (v: number) => (Number.isNaN(v) ? '–' : `${v.toFixed(0)} ms`);

async function main(): Promise<void> {
  const rows = positiveArg(process.argv[2], 1_000_000, 'rows');
  const runs = positiveArg(process.argv[3], 2, 'runs');
  const subscriberCount = positiveArg(process.argv[4], 100, 'subscribers');
  const timeoutMs = Number(process.env.BENCH_TIMEOUT_S || 600) * 1000;
  const settings = loadConfig();
  console.log(
    `bench:progress  ${subscriberCount} graphql-ws subscribers on one import of ${n(rows)} rows, ${runs} run(s) each with Redis and with the in-process bus  ` +
      `CHUNK_SIZE=${settings.chunkSize}  WORKER_CONCURRENCY=${settings.workerConcurrency}  PROGRESS_POLL_MS=${settings.progressPollMs}  Node ${process.version}`,
  );
  console.log(`source: ${sourceRevision()}`);
  const s = await createBenchServices('bulkport-bench-progress');
  const token = (await createTokens(s, ['progress'])).get('progress')!;
  const csv = join(s.dir, 'contacts.csv');
  const { bytes } = await generateContactsCsv(csv, rows, { seed: 1 });
  console.log(`generated ${n(rows)} contacts (${(bytes / 1e6).toFixed(0)} MB)`);

  const results: RunResult[] = [];
  for (let run = 1; run <= runs; run++) {
    for (const mode of ['Redis', 'in-process'] as const) {
      await withClient(s.db.url, (c) => c.query('TRUNCATE contacts')); // every run inserts the same rows
      await checkpoint(s.db.url);
      const r = await measure(s, mode, run, { token, csv, rows, subscriberCount, timeoutMs });
      results.push(r);
      console.log(
        `  ${mode} run ${run}: ${r.importSeconds.toFixed(1)} s, ${r.completed}/${r.subscribers} subscribers got COMPLETED, ${n(r.delays.length)} delays: ` +
          `p50 ${ms(quantile(r.delays, 0.5))}, p99 ${ms(quantile(r.delays, 0.99))}, max ${ms(quantile(r.delays, 1))}; longest gap ${ms(r.worstGap.ms)}; others used ${(100 * r.othersShare).toFixed(0)}%`,
      );
    }
  }
  report(results);
}

/** One import watched by the subscribers, on a deployment of `mode` started for it and stopped after. */
async function measure(
  s: BenchServices,
  mode: Mode,
  run: number,
  o: { token: string; csv: string; rows: number; subscriberCount: number; timeoutMs: number },
): Promise<RunResult> {
  const processes: AppProcess[] = [];
  const stop = () => Promise.all(processes.map((p) => p.stop()));
  try {
    const api = mode === 'Redis' ? await startApi(s, `api-${run}`) : await startApi({ ...s, env: { ...s.env, REDIS_URL: '' } }, `all-${run}`, 'all'); // no REDIS_URL: the in-process bus
    processes.push(api);
    if (mode === 'Redis') processes.push(await startWorker(s, `worker-${run}`));
    const died = Promise.race(processes.map((p) => p.exited));

    // The baseline: when Redis delivers each publish to a subscriber that does nothing else.
    const tapDelays: number[] = [];
    let tap: Redis | undefined;
    if (mode === 'Redis') {
      tap = new Redis(REDIS_URL);
      onCleanup('close the Redis tap', () => tap?.disconnect());
      tap.on('pmessage', (_pattern: string, _channel: string, message: string) => {
        const at = wallNow();
        tapDelays.push(at - Date.parse((JSON.parse(message) as Event).updatedAt));
      });
      await tap.psubscribe(`${s.env.REDIS_PREFIX}progress:*`);
    }

    const foreign = new ForeignCpuTracker(s.db.name);
    const t0 = performance.now();
    const jobId = await Promise.race([uploadImport(api.graphqlUrl, o.token, o.csv, {}), died]);
    const subscribers = Array.from({ length: o.subscriberCount }, () => subscribe(api.wsUrl, o.token, jobId));
    onCleanup('close the subscribers', () => Promise.all(subscribers.map((sub) => sub.client.dispose())));
    const timedOut = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), o.timeoutMs).unref());
    const outcome = await Promise.race([Promise.all(subscribers.map((sub) => sub.done)), timedOut, died]);
    // Ctrl-C: the subscribers were closed by cleanup, which drops the database and exits; wait for it.
    if (cleaningUp()) await new Promise<never>(() => undefined);
    if (outcome === 'timeout') console.log(`  ${mode} run ${run}: timed out after ${o.timeoutMs / 1000} s`);
    const othersShare = disturbance(foreign.stop(), (performance.now() - t0) / 1000);
    await Promise.all(subscribers.map((sub) => sub.client.dispose()));
    tap?.disconnect();

    const importSeconds = await withClient(s.db.url, async (c) => {
      const { rows } = await c.query<{ s: number | null }>(`SELECT extract(epoch FROM completed_at - started_at)::float8 AS s FROM jobs WHERE id = $1`, [
        jobId,
      ]);
      return rows[0]?.s ?? NaN;
    });
    return { mode, run, ...analyse(subscribers), tapDelays, importSeconds, othersShare };
  } finally {
    await stop();
  }
}

function subscribe(wsUrl: string, token: string, jobId: string): Subscriber {
  const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0 });
  let ended!: () => void;
  const sub: Subscriber = { client, subscribedAt: wallNow(), received: [], done: new Promise((resolve) => (ended = resolve)) };
  client.subscribe<{ jobProgress: Event }>(
    { query: SUBSCRIPTION, variables: { id: jobId } },
    {
      next: (msg) => {
        const at = wallNow();
        if (msg.errors) {
          sub.error ??= JSON.stringify(msg.errors);
          return ended();
        }
        const event = msg.data!.jobProgress;
        sub.received.push({ at, stamp: Date.parse(event.updatedAt), event });
      },
      error: (err) => {
        sub.error ??= err instanceof Error ? err.message : JSON.stringify(err);
        ended();
      },
      complete: () => ended(),
    },
  );
  return sub;
}

/** Is b a repeat of a (the same status and counters: a re-read of a job that did not move)? */
function sameState(a: Event, b: Event): boolean {
  return (
    a.status === b.status && a.processedRows === b.processedRows && a.failedRows === b.failedRows && a.percent === b.percent && a.totalRows === b.totalRows
  );
}

function analyse(
  subscribers: Subscriber[],
): Pick<RunResult, 'subscribers' | 'completed' | 'errors' | 'firstEvents' | 'delays' | 'maxGaps' | 'worstGap' | 'gapsOverTarget' | 'events' | 'repeats'> {
  const delays: number[] = [];
  const maxGaps: number[] = [];
  let worstGap = { ms: NaN, afterRows: 0, endedByRepeat: false };
  let gapsOverTarget = 0;
  let events = 0;
  let repeats = 0;
  for (const sub of subscribers) {
    let maxGap = 0;
    sub.received.forEach((r, i) => {
      events++;
      const previous = sub.received[i - 1];
      const repeat = previous !== undefined && sameState(previous.event, r.event);
      if (repeat) repeats++;
      // Only states committed once the subscriber held its first event: before that it was still
      // connecting, and that wait is its time to the first event.
      else if (i > 0 && r.stamp >= sub.received[0]!.at) delays.push(r.at - r.stamp);
      if (!previous) return;
      const gap = r.at - previous.at;
      maxGap = Math.max(maxGap, gap);
      if (gap > TARGETS.gapMs) gapsOverTarget++;
      if (!(gap <= worstGap.ms)) worstGap = { ms: gap, afterRows: previous.event.processedRows, endedByRepeat: repeat };
    });
    maxGaps.push(maxGap);
  }
  return {
    subscribers: subscribers.length,
    completed: subscribers.filter((sub) => sub.received.at(-1)?.event.status === 'COMPLETED').length,
    errors: subscribers.flatMap((sub) => (sub.error ? [sub.error] : [])),
    firstEvents: subscribers.flatMap((sub) => (sub.received[0] ? [sub.received[0].at - sub.subscribedAt] : [])),
    delays,
    maxGaps,
    worstGap,
    gapsOverTarget,
    events,
    repeats,
  };
}

function report(results: RunResult[]): void {
  const modes: Mode[] = ['Redis', 'in-process'];
  console.log(
    `\n== summary: first event = subscribing (a new connection) to the first event; delay = arrival − JobProgress.updatedAt (the state's commit), ` +
      `states committed after the subscriber's first event; gap = wait between two events of one subscriber`,
  );
  printTable([
    ['', 'import s', 'first event p50', 'max', 'events', 'repeats', 'delay p50', 'p99', 'max', 'longest gap', 'gaps > 1 s', 'others used'],
    ...results.map((r) => [
      `${r.mode} run ${r.run}`,
      r.importSeconds.toFixed(1),
      ms(quantile(r.firstEvents, 0.5)),
      ms(quantile(r.firstEvents, 1)),
      n(r.events),
      n(r.repeats),
      ms(quantile(r.delays, 0.5)),
      ms(quantile(r.delays, 0.99)),
      ms(quantile(r.delays, 1)),
      ms(r.worstGap.ms),
      n(r.gapsOverTarget),
      `${(100 * r.othersShare).toFixed(0)}%`,
    ]),
  ]);
  const redis = results.filter((r) => r.mode === 'Redis');
  const tap = redis.flatMap((r) => r.tapDelays);
  console.log(
    `\nbaseline (Redis runs): Redis delivered the worker's publish − updatedAt, ${n(tap.length)} publishes: ` +
      `p50 ${ms(quantile(tap, 0.5))}, p99 ${ms(quantile(tap, 0.99))}, max ${ms(quantile(tap, 1))}; ` +
      `per run p99 ${redis.map((r) => ms(quantile(r.tapDelays, 0.99))).join(', ')}`,
  );
  for (const r of results) {
    console.log(
      `${r.mode} run ${r.run}: longest gap ${ms(r.worstGap.ms)} after ${n(r.worstGap.afterRows)} rows, ended by ${r.worstGap.endedByRepeat ? 'a repeat (re-read)' : 'a new state'}; ` +
        `subscribers' longest gaps p50 ${ms(quantile(r.maxGaps, 0.5))}`,
    );
  }

  console.log('');
  const checks: Array<{ what: string; ok: boolean; detail: string }> = [];
  for (const mode of modes) {
    const of = results.filter((r) => r.mode === mode);
    const delays = of.flatMap((r) => r.delays);
    const p99 = quantile(delays, 0.99);
    const longest = Math.max(...of.map((r) => r.worstGap.ms));
    checks.push(
      {
        what: `${mode}: delay p99 < ${TARGETS.delayP99Ms} ms`,
        ok: p99 < TARGETS.delayP99Ms,
        detail: `${ms(p99)} over ${of.length} run(s); per run ${of.map((r) => ms(quantile(r.delays, 0.99))).join(', ')}`,
      },
      {
        what: `${mode}: no subscriber waited over ${TARGETS.gapMs} ms for the next event`,
        ok: longest <= TARGETS.gapMs,
        detail: `longest ${ms(longest)}; per run ${of.map((r) => ms(r.worstGap.ms)).join(', ')}`,
      },
      {
        what: `${mode}: every subscriber received COMPLETED, without an error`,
        ok: of.every((r) => r.completed === r.subscribers && r.errors.length === 0),
        detail: of.map((r) => `${r.completed}/${r.subscribers}${r.errors.length ? `, ${r.errors.length} errors: ${r.errors[0]}` : ''}`).join('; '),
      },
    );
  }
  for (const c of checks) console.log(`${verdict(c.ok)}  ${c.what} (${c.detail})`);
  if (checks.some((c) => !c.ok)) process.exitCode = 1;
}

await runBench('bench:progress', main);
