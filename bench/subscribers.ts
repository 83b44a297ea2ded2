/**
 * Many live subscribers: 1,000 graphql-ws connections spread over 2 API processes (as `npm run api`
 * starts them), each authenticated in connection_init with its workspace's token and holding one
 * jobProgress subscription, watch 20 imports from 4 workspaces. The imports are uploaded first and
 * every subscriber has received its first event (QUEUED) before the worker process starts, so every
 * state change after that travels worker → Redis → API → subscriber.
 *
 * Prints how many subscribers received their job's terminal event, and the delivery lag of that
 * event, two ways (same machine, same clock):
 * - DELIVERY LAG: the time a subscriber received the COMPLETED event minus the time this process,
 *   itself subscribed to the job's Redis channel, received the worker's COMPLETED publish. Redis
 *   hands the message to this tap and to each API's subscriber connection at the same moment, so this
 *   is the API's share: Redis → API → its WebSocket subscribers → the client's parsing.
 * - FROM COMPLETION: the receipt minus jobs.completed_at, which PostgreSQL sets with now() (the start
 *   of the transaction that merged the last chunk and completed the job); the worker publishes after
 *   that commit. An upper bound: it adds the rest of that transaction and the commit to the above.
 * Also printed: each API process's peak RSS (VmHWM) while it served them.
 *
 *   npx tsx bench/subscribers.ts [subscribers=1000] [imports=20] [rowsPerImport=20000]   (npm run bench:subscribers)
 *
 * Environment: as bench:import (DATABASE_URL, REDIS_URL, CHUNK_SIZE, WORKER_CONCURRENCY, ...).
 */
import { join } from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { loadConfig } from '../src/config.ts';
import { sourceRevision } from '../test/helpers/appProcess.ts';
import { withClient } from './benchDatabase.ts';
import { onCleanup, runBench } from './benchLifecycle.ts';
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
  type ApiProcess,
} from './benchServices.ts';
import { generateContactsCsv } from './generateContacts.ts';
import { uploadImport, type ProgressEvent } from './importClient.ts';
import { readMemory, resetPeakRss } from './procStats.ts';

const WORKSPACES = ['w1', 'w2', 'w3', 'w4'];
const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);
const SUBSCRIPTION = `subscription($id: ID!) { jobProgress(jobId: $id) { jobId status processedRows totalRows percent } }`;
/** Connections opened at once while subscribing (the rest wait their turn). */
const CONNECT_BATCH = 50;

interface Subscriber {
  api: number;
  jobId: string;
  client: Client;
  events: number;
  firstEvent: Promise<void>;
  /** Settles once the terminal event, an error or the end of the subscription has arrived. */
  done: Promise<void>;
  /** Wall-clock ms (sub-millisecond) when the terminal event arrived. */
  terminalAt?: number;
  terminalStatus?: string;
  error?: string;
}

const wallNow = () => performance.timeOrigin + performance.now();

async function main(): Promise<void> {
  const subscriberCount = positiveArg(process.argv[2], 1000, 'subscribers');
  const importCount = positiveArg(process.argv[3], 20, 'imports');
  const rowsPerImport = positiveArg(process.argv[4], 20_000, 'rowsPerImport');
  const timeoutMs = Number(process.env.BENCH_TIMEOUT_S || 300) * 1000;
  const settings = loadConfig();
  console.log(
    `bench:subscribers  ${n(subscriberCount)} subscribers over 2 API processes, ${importCount} imports of ${n(rowsPerImport)} rows from ${WORKSPACES.length} workspaces  ` +
      `CHUNK_SIZE=${settings.chunkSize}  PROGRESS_POLL_MS=${settings.progressPollMs}  WS_MAX_SUBSCRIPTIONS=${settings.wsMaxSubscriptions}  Node ${process.version}`,
  );
  console.log(`source: ${sourceRevision()}`);
  const s = await createBenchServices('bulkport-bench-subscribers');
  const tokens = await createTokens(s, WORKSPACES);
  const apis = [await startApi(s, 'api-1'), await startApi(s, 'api-2')];
  await new Promise((r) => setTimeout(r, 1000));
  const rss = (a: ApiProcess) => readMemory(a.pid)?.rssMb ?? 0;
  console.log(
    `api-1 pid ${apis[0]!.pid} (idle RSS ${rss(apis[0]!).toFixed(0)} MB), api-2 pid ${apis[1]!.pid} (idle RSS ${rss(apis[1]!).toFixed(0)} MB); no worker yet`,
  );
  const died = Promise.race(apis.map((a) => a.exited));

  // The imports, uploaded through both APIs, wait QUEUED: no worker runs yet.
  const jobs: Array<{ id: string; workspace: string }> = [];
  for (let i = 0; i < importCount; i++) {
    const workspace = WORKSPACES[i % WORKSPACES.length]!;
    const path = join(s.dir, `import-${i}.csv`);
    await generateContactsCsv(path, rowsPerImport, { seed: i + 1, firstIndex: i * rowsPerImport });
    const id = await uploadImport(apis[i % 2]!.graphqlUrl, tokens.get(workspace)!, path, {});
    jobs.push({ id, workspace });
  }
  console.log(`${importCount} imports uploaded and QUEUED`);

  // Subscriber i: API i % 2, job i % imports, authenticated in connection_init with its job's workspace token.
  const t0 = performance.now();
  const subscribers: Subscriber[] = [];
  onCleanup('close the subscribers', () => Promise.all(subscribers.map((sub) => sub.client.dispose())));
  for (let i = 0; i < subscriberCount; i += CONNECT_BATCH) {
    const batch = Array.from({ length: Math.min(CONNECT_BATCH, subscriberCount - i) }, (_, k) => subscribe(i + k, apis, jobs, tokens));
    subscribers.push(...batch);
    await Promise.race([Promise.all(batch.map((sub) => sub.firstEvent)), died]);
  }
  const connected = (performance.now() - t0) / 1000;
  await new Promise((r) => setTimeout(r, 1000));
  const withSubscribers = apis.map(rss);
  console.log(
    `${n(subscribers.length)} subscribers connected, authenticated and holding their first event in ${connected.toFixed(1)} s; ` +
      `API RSS now ${withSubscribers.map((v) => `${v.toFixed(0)} MB`).join(' / ')}`,
  );

  // The tap: when did Redis deliver each job's COMPLETED publish? (channel as src/progress/redisProgressBus.ts names it)
  const tap = new Redis(REDIS_URL);
  onCleanup('close the Redis tap', () => tap.quit());
  const published = new Map<string, number>();
  const channelPrefix = `${s.env.REDIS_PREFIX}progress:`;
  tap.on('message', (channel: string, message: string) => {
    const at = wallNow();
    const jobId = channel.slice(channelPrefix.length);
    if (!published.has(jobId) && TERMINAL.has((JSON.parse(message) as ProgressEvent).status)) published.set(jobId, at);
  });
  await tap.subscribe(...jobs.map((j) => channelPrefix + j.id));

  // Now the work: one worker process imports the 20 files while the APIs fan the progress out.
  const peakResettable = apis.every((a) => resetPeakRss(a.pid));
  const sampled = [0, 0];
  const sampler = setInterval(() => apis.forEach((a, i) => (sampled[i] = Math.max(sampled[i]!, rss(a)))), 100);
  const worker = await startWorker(s);
  console.log(`worker pid ${worker.pid} started`);
  const tWork = performance.now();
  const allDone = Promise.all(subscribers.map((sub) => sub.done));
  const progress = setInterval(() => {
    const done = subscribers.filter((sub) => sub.terminalAt !== undefined).length;
    console.log(
      `  [${((performance.now() - tWork) / 1000).toFixed(1).padStart(6)} s]  ${n(done)} of ${n(subscribers.length)} subscribers have their terminal event; API RSS ${apis.map((a) => `${rss(a).toFixed(0)} MB`).join(' / ')}`,
    );
  }, 2000);
  const timedOut = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs).unref());
  const outcome = await Promise.race([allDone, timedOut, died, worker.exited]);
  clearInterval(progress);
  clearInterval(sampler);
  const peaks = apis.map((a, i) => (peakResettable ? (readMemory(a.pid)?.peakMb ?? sampled[i]!) : sampled[i]!));
  const workSeconds = (performance.now() - tWork) / 1000;
  if (outcome === 'timeout') console.log(`  timed out after ${timeoutMs / 1000} s`);

  // Lag against the job's completed_at (microseconds in PostgreSQL; read as epoch milliseconds).
  const completedAt = await withClient(s.db.url, async (c) => {
    const { rows } = await c.query<{ id: string; ms: string | null; status: string }>(
      `SELECT id, (extract(epoch FROM completed_at) * 1000)::text AS ms, status FROM jobs WHERE id = ANY($1::uuid[])`,
      [jobs.map((j) => j.id)],
    );
    return new Map(rows.map((r) => [r.id, { ms: r.ms === null ? null : Number(r.ms), status: r.status }]));
  });
  const received = subscribers.filter((sub) => sub.terminalAt !== undefined);
  const completedOk = received.filter((sub) => sub.terminalStatus === 'COMPLETED');
  const lags = completedOk.map((sub) => sub.terminalAt! - completedAt.get(sub.jobId)!.ms!);
  const tapped = completedOk.filter((sub) => published.has(sub.jobId));
  const delivery = tapped.map((sub) => sub.terminalAt! - published.get(sub.jobId)!);
  const errors = subscribers.filter((sub) => sub.error !== undefined);
  const events = subscribers.reduce((sum, sub) => sum + sub.events, 0);

  console.log(
    `\n== summary: ${n(subscribers.length)} subscribers, ${importCount} imports of ${n(rowsPerImport)} rows, all done in ${workSeconds.toFixed(1)} s after the worker started`,
  );
  const ms = (v: number) => `${v.toFixed(0)} ms`;
  printTable([
    ['', 'p50', 'p99', 'max'],
    [
      `delivery lag: received - Redis delivered the publish (${n(tapped.length)} events)`,
      ms(quantile(delivery, 0.5)),
      ms(quantile(delivery, 0.99)),
      ms(quantile(delivery, 1)),
    ],
    [`from completion: received - jobs.completed_at (${n(lags.length)} events)`, ms(quantile(lags, 0.5)), ms(quantile(lags, 0.99)), ms(quantile(lags, 1))],
  ]);
  if (published.size < importCount)
    console.log(`the tap saw no terminal publish for ${importCount - published.size} job(s) (their subscribers are left out of the delivery lag)`);
  console.log('');
  printTable([
    ['API process', 'subscribers', 'RSS with subscribers idle', 'peak RSS while the imports ran'],
    ...apis.map((a, i) => [a.name, n(subscribers.filter((sub) => sub.api === i).length), `${withSubscribers[i]!.toFixed(0)} MB`, `${peaks[i]!.toFixed(0)} MB`]),
  ]);
  console.log(`events received in all: ${n(events)} (${(events / Math.max(1, subscribers.length)).toFixed(1)} per subscriber)`);
  const jobsCompleted = [...completedAt.values()].filter((j) => j.status === 'COMPLETED').length;
  const checks = [
    {
      what: 'every subscriber received its terminal event',
      ok: received.length === subscribers.length,
      detail: `${n(received.length)} of ${n(subscribers.length)}`,
    },
    { what: 'every import COMPLETED', ok: jobsCompleted === importCount, detail: `${jobsCompleted} of ${importCount}` },
    { what: 'no subscriber saw an error', ok: errors.length === 0, detail: errors.length ? `${errors.length}: ${errors[0]!.error}` : '0' },
  ];
  console.log('');
  for (const c of checks) console.log(`${verdict(c.ok)}  ${c.what} (${c.detail})`);
  if (checks.some((c) => !c.ok)) process.exitCode = 1;
}

function subscribe(i: number, apis: ApiProcess[], jobs: Array<{ id: string; workspace: string }>, tokens: Map<string, string>): Subscriber {
  const apiIndex = i % apis.length;
  const job = jobs[i % jobs.length]!;
  const client = createClient({
    url: apis[apiIndex]!.wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${tokens.get(job.workspace)}` },
    retryAttempts: 0,
  });
  let gotFirst!: () => void;
  let ended!: () => void;
  const sub: Subscriber = {
    api: apiIndex,
    jobId: job.id,
    client,
    events: 0,
    firstEvent: new Promise((r) => (gotFirst = r)),
    done: new Promise((r) => (ended = r)),
  };
  client.subscribe<{ jobProgress: ProgressEvent }>(
    { query: SUBSCRIPTION, variables: { id: job.id } },
    {
      next: (msg) => {
        const at = wallNow();
        sub.events++;
        gotFirst();
        if (msg.errors) {
          sub.error = JSON.stringify(msg.errors);
          return ended();
        }
        const status = msg.data!.jobProgress.status;
        if (TERMINAL.has(status) && sub.terminalAt === undefined) {
          sub.terminalAt = at;
          sub.terminalStatus = status;
          ended();
        }
      },
      error: (err) => {
        sub.error ??= err instanceof Error ? err.message : JSON.stringify(err);
        gotFirst();
        ended();
      },
      complete: () => {
        if (sub.terminalAt === undefined) sub.error ??= 'the subscription completed without a terminal event';
        gotFirst();
        ended();
      },
    },
  );
  return sub;
}

await runBench('bench:subscribers', main);
