/**
 * End-to-end import benchmark: generates a contacts CSV, imports it through the real API and worker
 * (two child processes, as `npm run api` and `npm run worker` start them) against the local
 * PostgreSQL and Redis, and prints its rate beside `psql \copy` of the same file in the same run,
 * then re-imports it with duplicateStrategy UPDATE. Everything lives in a fresh database and a temp
 * directory that are removed at the end, also on failure or Ctrl-C.
 *
 *   npx tsx bench/import.ts [rows=1000000]          (npm run bench:import)
 *
 * Environment:
 *   DATABASE_URL   admin connection, only to create and drop the benchmark database
 *                  (default postgresql://postgres@127.0.0.1:5432/postgres); REDIS_URL (default redis://127.0.0.1:6379)
 *   CHUNK_SIZE, WORKER_CONCURRENCY, PG_POOL_SIZE, ...   pass through to the API and worker
 *   BENCH_RUNS     rounds (default 3); each round runs the baseline, the import and the re-import one
 *                  after the other, into an emptied contacts table; the summary prints median [min–max]
 *   BASELINE_RUNS  psql \copy runs per round, the fastest is kept (default 1)
 *   BENCH_TIMEOUT_S  limit for each import (default 120 + rows/2000)
 *   BENCH_WORKER_NODE_FLAGS  node flags for the worker only, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
 *                  (a V8 CPU profile written when the worker stops) or "--max-semi-space-size=2"
 *   BENCH_ROLE     'all': one process running the API and the worker, as `npm start` does, instead of
 *                  two (its peak RSS is checked against the single-process target)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.ts';
import {
  appEnvironment,
  freePort,
  runToCompletion,
  sourceRevision,
  startAppProcess,
  waitForHealthy,
  waitForOutput,
  type AppProcess,
} from '../test/helpers/appProcess.ts';
import { ADMIN_URL, BASELINE_TABLE, assertLoopback, copyBaseline, createBenchDatabase, withClient } from './benchDatabase.ts';
import { DatabaseMonitor } from './databaseMonitor.ts';
import { generateContactsCsv } from './generateContacts.ts';
import { printPhaseDetails, printSummary, warnIfDisturbed, type Check, type Round } from './importReport.ts';
import { countContacts, runImportPhase, type PhaseResult } from './importPhase.ts';
import { ForeignCpuTracker, readMemory } from './procStats.ts';
import { onCleanup, runBench, track } from './benchLifecycle.ts';
import { npmScriptNodeFlags } from './benchServices.ts';

const n = (v: number) => Math.round(v).toLocaleString('en');

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 1_000_000);
  if (!Number.isInteger(rows) || rows < 1) throw new Error(`rows must be a positive integer, got '${process.argv[2]}'`);
  assertLoopback(ADMIN_URL, 'DATABASE_URL');
  assertLoopback(REDIS_URL, 'REDIS_URL');
  const timeoutMs = Number(process.env.BENCH_TIMEOUT_S || 120 + rows / 2000) * 1000;
  const singleProcess = process.env.BENCH_ROLE === 'all';
  if (process.env.BENCH_ROLE && !singleProcess) throw new Error(`BENCH_ROLE must be 'all' or unset, got '${process.env.BENCH_ROLE}'`);
  const settings = loadConfig(); // the children read the same environment: print what they will use
  console.log(
    `bench:import  ${rows.toLocaleString('en')} rows  ${singleProcess ? 'one process (role all)' : 'API and worker processes'}  CHUNK_SIZE=${settings.chunkSize}  WORKER_CONCURRENCY=${settings.workerConcurrency}  ` +
      `PG_POOL_SIZE=${settings.pgPoolSize}  Node ${process.version}`,
  );
  console.log(`source: ${sourceRevision()}`);

  const db = await createBenchDatabase();
  onCleanup('drop the benchmark database', () => db.drop());
  const dir = mkdtempSync(join(tmpdir(), 'bulkport-bench-'));
  onCleanup('remove the temp directory', () => rmSync(dir, { recursive: true, force: true }));
  console.log(`database ${db.name}, temp dir ${dir}`);

  const csvPath = join(dir, 'contacts.csv');
  const t = performance.now();
  const { bytes } = await generateContactsCsv(csvPath, rows, { seed: 42 });
  console.log(`generated ${csvPath}: ${(bytes / 1e6).toFixed(1)} MB in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  const port = await freePort();
  const env = appEnvironment({ databaseUrl: db.url, redisUrl: REDIS_URL, port, dir });
  // Each round imports into a workspace of its own, into an emptied contacts table, so every round
  // measures the same work. The CLI applies the migrations first, as any process does, then prints only the token.
  const runs = Math.max(1, Number(process.env.BENCH_RUNS || 3));
  const workspaces: Array<{ token: string; id: string }> = [];
  for (let i = 1; i <= runs; i++) {
    const token = (await runToCompletion(['src/cli.ts', 'token', 'create', '--workspace', `bench-${i}`], env)).trim();
    const id = await withClient(db.url, async (c) => (await c.query(`SELECT id FROM workspaces WHERE name = $1`, [`bench-${i}`])).rows[0].id as string);
    workspaces.push({ token, id });
  }

  const workerNodeFlags = (process.env.BENCH_WORKER_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
  let api: AppProcess;
  let worker: AppProcess;
  if (singleProcess) {
    // `npm start`: the API and the worker in one process (role all), measured as one.
    api = worker = track(
      startAppProcess('api+worker', ['src/main.ts', 'all'], env, join(dir, 'all.log'), [...npmScriptNodeFlags('start'), ...workerNodeFlags]),
      30_000,
    );
    await Promise.all([waitForHealthy(`http://127.0.0.1:${port}/healthz`, api), waitForOutput(api, 'API and worker ready')]);
  } else {
    // With the node flags `npm run api` and `npm run worker` give them.
    api = track(startAppProcess('api', ['src/main.ts', 'api'], env, join(dir, 'api.log'), npmScriptNodeFlags('api')));
    worker = track(
      startAppProcess('worker', ['src/main.ts', 'worker'], env, join(dir, 'worker.log'), [...npmScriptNodeFlags('worker'), ...workerNodeFlags]),
      30_000,
    );
    await Promise.all([waitForHealthy(`http://127.0.0.1:${port}/healthz`, api), waitForOutput(worker, 'worker running')]);
  }
  await new Promise((r) => setTimeout(r, 1000)); // let start-up settle before reading idle memory
  const idle = (p: AppProcess) => `${(readMemory(p.pid)?.rssMb ?? 0).toFixed(0)} MB`;
  if (singleProcess) console.log(`api+worker (role all) pid ${api.pid} on port ${port} (idle RSS ${idle(api)})`);
  else console.log(`api pid ${api.pid} on port ${port} (idle RSS ${idle(api)}), worker pid ${worker.pid} (idle RSS ${idle(worker)})`);

  const monitor = await DatabaseMonitor.connect(db.url);
  onCleanup('close the monitor connection', () => monitor.close());
  const checks: Check[] = [];
  const rounds: Round[] = [];
  for (let i = 0; i < runs; i++) {
    const { token, id: workspaceId } = workspaces[i]!;
    console.log(`\n######## round ${i + 1} of ${runs}`);
    // The same machine state for all three measurements of a round: an empty contacts table each time.
    await withClient(db.url, (c) => c.query('TRUNCATE contacts'));
    const baseline = await measureBaseline(db.url, db.name, csvPath, workspaceId, rows);
    const setup = {
      apiUrl: `http://127.0.0.1:${port}/graphql`,
      wsUrl: `ws://127.0.0.1:${port}/graphql`,
      databaseUrl: db.url,
      databaseName: db.name,
      token,
      csvPath,
      api,
      worker,
      monitor,
      timeoutMs,
    };
    const tag = runs > 1 ? ` [round ${i + 1}]` : '';
    const imported = await runImportPhase(setup, 'import (new rows, duplicateStrategy SKIP)', {});
    const afterImport = await countContacts(db.url, workspaceId, imported.jobId);
    printPhaseDetails(imported);
    checks.push(...exactness(`import${tag}`, imported, rows, afterImport.total), {
      what: `import${tag}: inserted rows = rows in the file`,
      ok: imported.job.insertedRows === rows,
      detail: `${imported.job.insertedRows}`,
    });

    const reimported = await runImportPhase(setup, 're-import of the same file, duplicateStrategy UPDATE (all rows unchanged)', {
      duplicateStrategy: 'UPDATE',
    });
    const afterReimport = await countContacts(db.url, workspaceId, reimported.jobId);
    printPhaseDetails(reimported);
    checks.push(
      ...exactness(`re-import${tag}`, reimported, rows, afterReimport.total),
      {
        what: `re-import${tag}: nothing rewritten (updatedRows = 0, no contact carries its job id)`,
        ok: reimported.job.updatedRows === 0 && afterReimport.writtenByJob === 0,
        detail: `updatedRows ${reimported.job.updatedRows}, rows with its import_job_id ${afterReimport.writtenByJob}`,
      },
      { what: `re-import${tag}: unchangedRows = rows`, ok: reimported.job.unchangedRows === rows, detail: `${reimported.job.unchangedRows}` },
    );
    rounds.push({ baseline, imported, reimported });
    const pct = (p: PhaseResult) => `${((100 * baseline.seconds) / p.seconds).toFixed(1)}%`;
    console.log(
      `round ${i + 1}: \\copy ${baseline.seconds.toFixed(2)} s, import ${imported.seconds.toFixed(2)} s = ${pct(imported)}, ` +
        `re-import ${reimported.seconds.toFixed(2)} s = ${pct(reimported)}`,
    );
  }

  printSummary({ rows, bytes, rounds, checks, csvMb: bytes / 1e6, singleProcess });
  if (checks.some((c) => !c.ok)) process.exitCode = 1;
}

/**
 * psql \copy of the file into a copy of the contacts table, best of BASELINE_RUNS (default 1: each
 * round has its own baseline, and the rounds give the spread).
 */
async function measureBaseline(url: string, databaseName: string, csvPath: string, workspaceId: string, rows: number): Promise<Round['baseline']> {
  const baselineRuns = Math.max(1, Number(process.env.BASELINE_RUNS || 1));
  console.log(`\n== baseline: psql \\copy into ${BASELINE_TABLE}${baselineRuns > 1 ? `, best of ${baselineRuns}` : ''}`);
  let baseline = { seconds: Infinity, rows: 0, foreign: 0, walMb: 0 };
  for (let i = 0; i < baselineRuns; i++) {
    let tracker: ForeignCpuTracker | undefined;
    const run = await copyBaseline(url, csvPath, workspaceId, async (copy) => {
      tracker = new ForeignCpuTracker(databaseName);
      try {
        return await copy();
      } finally {
        tracker.stop();
      }
    });
    const foreign = tracker!.stop();
    console.log(`  ${run.rows.toLocaleString('en')} rows in ${run.seconds.toFixed(2)} s (${n(rows / run.seconds)} rows/s)`);
    warnIfDisturbed(foreign, run.seconds, tracker!.top());
    if (run.seconds < baseline.seconds) baseline = { ...run, foreign };
  }
  await withClient(url, (c) => c.query(`DROP TABLE ${BASELINE_TABLE}`));
  return baseline;
}

function exactness(name: string, r: PhaseResult, rows: number, counted: number): Check[] {
  return [
    { what: `${name}: status COMPLETED`, ok: r.job.status === 'COMPLETED', detail: `${r.job.status}${r.job.failureReason ? `: ${r.job.failureReason}` : ''}` },
    { what: `${name}: processedRows = rows generated`, ok: r.job.processedRows === rows, detail: `${r.job.processedRows}` },
    { what: `${name}: count(*) in contacts for the workspace = rows`, ok: counted === rows, detail: `${counted}` },
    { what: `${name}: failedRows = 0`, ok: r.job.failedRows === 0, detail: `${r.job.failedRows}` },
  ];
}

await runBench('bench:import', main);
