/**
 * Fair scheduling, measured: do small imports still finish quickly while one workspace runs a big
 * one, and does the big one lose anything by letting them through? One API and one worker process
 * (as `npm run api` / `npm run worker` start them) on a fresh database, three phases in one run:
 *
 *   1. idle:   20 imports of 1,000 rows from workspaces B–E, one every 250 ms, on an idle service
 *   2. alone:  workspace A imports N rows (default 1,000,000) with nothing else running
 *   3. loaded: A imports the same N rows again; once its first chunk has merged, the same 20 small
 *              imports (other emails) arrive exactly as in phase 1
 * Phases 2 and 3 run BENCH_RUNS times in turn (default 3): A's own time varies by ±15% from run to
 * run on a 2-core machine, more than the 10% its check resolves, so that check takes the median of
 * the rounds' shares (each round's loaded run against its own alone run).
 *
 * Each time is the user's: from the start of the upload to the COMPLETED event over graphql-ws. The
 * contacts table is emptied between phases, so every phase writes into the same size of table.
 * Targets (printed, never asserted in tests): the small imports' p95 in phase 3 under 3x their p95 in
 * phase 1, and A's rows/s in phase 3 within 10% of phase 2.
 *
 *   npx tsx bench/fairness.ts [rows=1000000] [small=20] [smallRows=1000]    (npm run bench:fairness)
 *
 * Environment: as bench:import (DATABASE_URL, REDIS_URL, CHUNK_SIZE, WORKER_CONCURRENCY, ...);
 * SMALL_INTERVAL_MS: the gap between two small imports' uploads (default 250); BENCH_WORKER_NODE_FLAGS:
 * node flags for the worker, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" (a CPU profile when it stops);
 * BENCH_API_NODE_FLAGS: the same for the API.
 */
import { join } from 'node:path';
import { loadConfig } from '../src/config.ts';
import { sourceRevision } from '../test/helpers/appProcess.ts';
import { checkpoint, withClient } from './benchDatabase.ts';
import { runBench } from './benchLifecycle.ts';
import {
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
  type BenchServices,
} from './benchServices.ts';
import { generateContactsCsv } from './generateContacts.ts';
import { fetchJob, timedImport, type ProgressEvent, type TimedImport } from './importClient.ts';
import { disturbance } from './importReport.ts';
import { cpuSeconds, ForeignCpuTracker, postgresCpu, postgresCpuDelta } from './procStats.ts';

const SMALL_WORKSPACES = ['b', 'c', 'd', 'e'];
const TARGETS = { p95Ratio: 3, bigShare: 0.9 };

interface SmallRun extends TimedImport {
  workspace: string;
  /** Server side: job created → COMPLETED (jobs.created_at, jobs.completed_at), seconds. */
  serverSeconds: number;
  /** The big import was still running when this one completed. */
  duringBig: boolean;
  ok: boolean;
}

async function main(): Promise<void> {
  const rows = positiveArg(process.argv[2], 1_000_000, 'rows');
  const smallCount = positiveArg(process.argv[3], 20, 'small');
  const smallRows = positiveArg(process.argv[4], 1000, 'smallRows');
  const intervalMs = Number(process.env.SMALL_INTERVAL_MS || 250);
  const rounds = positiveArg(process.env.BENCH_RUNS, 3, 'BENCH_RUNS');
  const timeoutMs = Number(process.env.BENCH_TIMEOUT_S || 120 + rows / 2000) * 1000;
  const settings = loadConfig();
  console.log(
    `bench:fairness  A: ${n(rows)} rows; ${smallCount} imports of ${n(smallRows)} rows from workspaces ${SMALL_WORKSPACES.join(', ').toUpperCase()}, ` +
      `one every ${intervalMs} ms  CHUNK_SIZE=${settings.chunkSize}  WORKER_CONCURRENCY=${settings.workerConcurrency}  Node ${process.version}`,
  );
  console.log(`source: ${sourceRevision()}`);
  const s = await createBenchServices('bulkport-bench-fairness');

  const bigPath = join(s.dir, 'big.csv');
  await generateContactsCsv(bigPath, rows, { seed: 42 });
  // Two sets of small files with emails of their own: phase 3 must insert new rows exactly as phase 1 did.
  const smallPaths = async (set: number) =>
    Promise.all(
      Array.from({ length: smallCount }, async (_, i) => {
        const path = join(s.dir, `small-${set}-${i}.csv`);
        await generateContactsCsv(path, smallRows, { seed: 100 + i, firstIndex: 100_000_000 + (set * smallCount + i) * smallRows });
        return path;
      }),
    );
  const [idleFiles, loadedFiles, warmupFiles] = [await smallPaths(0), await smallPaths(1), (await smallPaths(2)).slice(0, SMALL_WORKSPACES.length)];

  const tokens = await createTokens(s, ['a', ...SMALL_WORKSPACES]);
  const api = await startApi(s, 'api', 'api', (process.env.BENCH_API_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean));
  const worker = await startWorker(s, 'worker', (process.env.BENCH_WORKER_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean));
  console.log(`api pid ${api.pid} on port ${api.port}, worker pid ${worker.pid}`);
  const client = (token: string, csvPath: string) => ({ apiUrl: api.graphqlUrl, wsUrl: api.wsUrl, token, csvPath, timeoutMs });
  const died = Promise.race([api.exited, worker.exited]);

  // Not measured: the first requests and tasks of fresh processes (JIT, first queries, connections) are slow.
  console.log(`\n== warm-up: ${warmupFiles.length} small imports at once, not measured`);
  await Promise.race([runSmallImports(api, tokens, warmupFiles, 0, client, () => false), died]);
  await emptyContacts(s);

  // Phase 1
  console.log(`\n== 1. ${smallCount} small imports on an idle service`);
  const foreign = new ForeignCpuTracker(s.db.name);
  const t = performance.now();
  const cpu0 = { api: cpuSeconds(api.pid), worker: cpuSeconds(worker.pid), pg: postgresCpu(s.db.name), client: process.cpuUsage() };
  const idle = await Promise.race([runSmallImports(api, tokens, idleFiles, intervalMs, client, () => false), died]);
  const idleDisturbed = disturbance(foreign.stop(), (performance.now() - t) / 1000);
  printSmall(idle);
  // What one small import costs the machine: in phase 3 every CPU-second of it comes out of A's time
  // when A alone keeps both cores busy.
  const pgIdle = postgresCpuDelta(cpu0.pg, postgresCpu(s.db.name));
  const clientCpu = process.cpuUsage(cpu0.client);
  const each = (seconds: number) => `${((1000 * seconds) / smallCount).toFixed(1)} ms`;
  console.log(
    `  CPU per small import: api ${each(cpuSeconds(api.pid) - cpu0.api)}, worker ${each(cpuSeconds(worker.pid) - cpu0.worker)}, ` +
      `PostgreSQL ${each(pgIdle.ours)} (our backends) + ${each(pgIdle.shared)} (checkpointer, WAL writer), ` +
      `bench client ${each((clientCpu.user + clientCpu.system) / 1e6)}`,
  );
  await emptyContacts(s);

  // Phases 2 and 3, alternating, BENCH_RUNS rounds: A's own time varies by ±15% from run to run on
  // this machine, more than the 10% the check resolves, so the verdict compares medians.
  const alones: TimedImport[] = [];
  const bigLoadeds: TimedImport[] = [];
  const loaded: SmallRun[] = [];
  const disturbed: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    const of = rounds > 1 ? ` (round ${round} of ${rounds})` : '';
    console.log(`\n== 2. workspace A imports ${n(rows)} rows alone${of}`);
    let foreign = new ForeignCpuTracker(s.db.name);
    let t = performance.now();
    const alone = await Promise.race([timedImport(client(tokens.get('a')!, bigPath), {}, progressPrinter()), died]);
    disturbed.push(disturbance(foreign.stop(), (performance.now() - t) / 1000));
    console.log(`  ${alone.final.status} in ${alone.seconds.toFixed(2)} s: ${n(rows / alone.seconds)} rows/s`);
    alones.push(alone);
    await emptyContacts(s);

    console.log(`\n== 3. workspace A imports ${n(rows)} rows again; the ${smallCount} small imports arrive once its first chunk has merged${of}`);
    foreign = new ForeignCpuTracker(s.db.name);
    t = performance.now();
    let bigRunning = true;
    let firstMerged!: () => void;
    const firstChunk = new Promise<void>((resolve) => (firstMerged = resolve));
    const print = progressPrinter();
    const big = timedImport(client(tokens.get('a')!, bigPath), {}, (e) => {
      print(e);
      if (e.processedRows > 0) firstMerged();
    }).finally(() => (bigRunning = false));
    big.catch(() => firstMerged()); // a failure is reported below, not as a hang here
    await Promise.race([firstChunk, died]);
    const loadedRuns = runSmallImports(api, tokens, loadedFiles, intervalMs, client, () => bigRunning);
    const [small, bigLoaded] = await Promise.race([Promise.all([loadedRuns, big]), died]);
    disturbed.push(disturbance(foreign.stop(), (performance.now() - t) / 1000));
    console.log(`  A: ${bigLoaded.final.status} in ${bigLoaded.seconds.toFixed(2)} s: ${n(rows / bigLoaded.seconds)} rows/s`);
    printSmall(small);
    bigLoadeds.push(bigLoaded);
    loaded.push(...small);
    await emptyContacts(s);
  }

  // Summary
  const p = (runs: SmallRun[], q: number) =>
    quantile(
      runs.map((r) => r.seconds),
      q,
    );
  const ratio = p(loaded, 0.95) / p(idle, 0.95);
  const median = (runs: TimedImport[]) =>
    quantile(
      runs.map((r) => r.seconds),
      0.5,
    );
  // A's rate with the small imports / its rate alone, per round (the two phases of a round run one
  // after the other, so the machine's state moves both), then the median, as bench:import does.
  const shares = alones.map((a, i) => a.seconds / bigLoadeds[i].seconds);
  const share = quantile(shares, 0.5);
  console.log(`\n== summary: ${n(rows)}-row import in workspace A, ${smallCount} x ${n(smallRows)}-row imports from B-E`);
  printTable([
    ['small imports, upload to COMPLETED', 'p50 s', 'p95 s', 'max s', 'completed while A ran'],
    ['idle service (phase 1)', p(idle, 0.5).toFixed(2), p(idle, 0.95).toFixed(2), p(idle, 1).toFixed(2), ''],
    [
      'while A imports (phase 3)',
      p(loaded, 0.5).toFixed(2),
      p(loaded, 0.95).toFixed(2),
      p(loaded, 1).toFixed(2),
      `${loaded.filter((r) => r.duringBig).length} of ${loaded.length}`,
    ],
  ]);
  console.log('');
  const spread = (runs: TimedImport[]) =>
    rounds > 1 ? ` [${Math.min(...runs.map((r) => r.seconds)).toFixed(2)}–${Math.max(...runs.map((r) => r.seconds)).toFixed(2)}]` : '';
  printTable([
    ['workspace A', rounds > 1 ? `seconds, median of ${rounds}` : 'seconds', 'rows/s'],
    ['alone (phase 2)', median(alones).toFixed(2) + spread(alones), n(rows / median(alones))],
    ['with the small imports (phase 3)', median(bigLoadeds).toFixed(2) + spread(bigLoadeds), n(rows / median(bigLoadeds))],
  ]);
  const pct = (v: number) => `${(100 * v).toFixed(0)}%`;
  if (rounds > 1) console.log(`A with the small imports, per round: ${shares.map(pct).join(', ')} of alone`);
  console.log(
    `machine used by processes outside the benchmark: phase 1 ${pct(idleDisturbed)}, then phases 2 and 3 in turn ${disturbed.map(pct).join(', ')} (above 5% the figures are disturbed)`,
  );
  const checks = [
    { what: `small imports' p95 while A imports < ${TARGETS.p95Ratio}x idle`, ok: ratio < TARGETS.p95Ratio, detail: `${ratio.toFixed(2)}x` },
    {
      what: `A's rows/s with the small imports within ${Math.round(100 * (1 - TARGETS.bigShare))}% of alone${rounds > 1 ? ' (median of the rounds)' : ''}`,
      ok: share >= TARGETS.bigShare,
      detail: `${pct(share)} of alone`,
    },
    {
      what: 'every small import COMPLETED with all its rows',
      ok: [...idle, ...loaded].every((r) => r.ok),
      detail: `${[...idle, ...loaded].filter((r) => r.ok).length} of ${idle.length + loaded.length}`,
    },
    {
      what: 'A COMPLETED with all its rows, every time',
      ok: [...alones, ...bigLoadeds].every((r) => r.final.status === 'COMPLETED' && r.final.processedRows === rows && r.final.failedRows === 0),
      detail: [...alones, ...bigLoadeds].map((r) => r.final.status).join('/'),
    },
  ];
  console.log('');
  for (const c of checks) console.log(`${verdict(c.ok)}  ${c.what} (${c.detail})`);
  if (checks.some((c) => !c.ok)) process.exitCode = 1;
}

/** The small imports, one every intervalMs, round-robin over B–E; resolves when all have ended. */
async function runSmallImports(
  api: ApiProcess,
  tokens: Map<string, string>,
  files: string[],
  intervalMs: number,
  client: (token: string, csvPath: string) => Parameters<typeof timedImport>[0],
  bigRunning: () => boolean,
): Promise<SmallRun[]> {
  const runs = files.map(async (csvPath, i) => {
    await new Promise((r) => setTimeout(r, i * intervalMs));
    const workspace = SMALL_WORKSPACES[i % SMALL_WORKSPACES.length]!;
    const token = tokens.get(workspace)!;
    const run = await timedImport(client(token, csvPath));
    const duringBig = bigRunning();
    const job = await fetchJob(api.graphqlUrl, token, run.jobId);
    const serverSeconds = job.completedAt ? (Date.parse(job.completedAt) - Date.parse(job.createdAt)) / 1000 : NaN;
    const ok = job.status === 'COMPLETED' && job.failedRows === 0 && job.processedRows === job.totalRows;
    return { ...run, workspace, serverSeconds, duringBig, ok };
  });
  return Promise.all(runs);
}

function printSmall(runs: SmallRun[]): void {
  const secs = runs.map((r) => r.seconds);
  const server = runs.map((r) => r.serverSeconds);
  console.log(
    `  ${runs.length} imports: upload to COMPLETED event p50 ${quantile(secs, 0.5).toFixed(2)} s, p95 ${quantile(secs, 0.95).toFixed(2)} s, ` +
      `max ${quantile(secs, 1).toFixed(2)} s; job created to completed (server) p50 ${quantile(server, 0.5).toFixed(2)} s, p95 ${quantile(server, 0.95).toFixed(2)} s`,
  );
  console.log(`  each (s): ${secs.map((v) => v.toFixed(2)).join(' ')}`);
}

/** A progress line at most every 2 s. */
function progressPrinter(): (e: ProgressEvent) => void {
  let last = 0;
  const t0 = performance.now();
  return (e) => {
    const now = performance.now();
    if (now - last < 2000 && e.status === 'RUNNING') return;
    last = now;
    console.log(
      `  [${((now - t0) / 1000).toFixed(1).padStart(6)} s]  A ${e.status.padEnd(9)} merged ${n(e.processedRows).padStart(11)}  ${e.percent.toFixed(1).padStart(5)}%`,
    );
  };
}

/** Every phase writes into an empty contacts table (the same index sizes), after a checkpoint. */
async function emptyContacts(s: BenchServices): Promise<void> {
  await withClient(s.db.url, (c) => c.query('TRUNCATE contacts'));
  await checkpoint(s.db.url);
}

await runBench('bench:fairness', main);
