/**
 * Scale-out, measured: one API and 1, 2, then 4 worker processes (as `npm run api` / `npm run worker`
 * start them) import the same generated contacts file, into an emptied contacts table each time;
 * prints rows/s for each beside `psql \copy` of the same file in the same run, the CPU each side used,
 * and the per-stage costs that explain the figures: parse, validate and encode measured apart on one
 * core (bench/stageCosts.ts), and PostgreSQL's COPY into staging, merge and direct COPY from sampled backends.
 *
 *   npx tsx bench/scale.ts [rows=1000000] [workers=1,2,4]          (npm run bench:scale)
 *
 * Environment: as bench:import (DATABASE_URL, REDIS_URL, CHUNK_SIZE, WORKER_CONCURRENCY, PG_POOL_SIZE,
 * BASELINE_RUNS, BENCH_TIMEOUT_S). With the default DIRECT_CHUNKS=true a fresh import is written by its
 * one stage task, so more workers cannot speed up one import; DIRECT_CHUNKS=false npm run bench:scale
 * measures per-chunk merges, which every worker process takes a share of.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.ts';
import { sourceRevision, type AppProcess } from '../test/helpers/appProcess.ts';
import { copyBaseline, checkpoint, withClient, BASELINE_TABLE } from './benchDatabase.ts';
import { runBench } from './benchLifecycle.ts';
import { createBenchServices, createTokens, n, printTable, startApi, startWorker, workspaceIdOf } from './benchServices.ts';
import { DatabaseMonitor } from './databaseMonitor.ts';
import { generateContactsCsv } from './generateContacts.ts';
import { timedImport, type ProgressEvent } from './importClient.ts';
import { disturbance } from './importReport.ts';
import { ForeignCpuTracker, cpuSeconds, machineCpu, postgresCpu, postgresCpuDelta } from './procStats.ts';
import { databaseStages, measureWorkerStages, type DatabaseStageCosts } from './stageCosts.ts';

interface ScaleRun {
  workers: number;
  seconds: number;
  status: string;
  processedRows: number;
  /** Seconds from the upload's start until the whole file was staged (first sample that saw it). */
  stagedAt: number | null;
  cpu: { workers: number; postgres: number; api: number; machineBusy: number; foreign: number };
  db: DatabaseStageCosts;
}

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 1_000_000);
  if (!Number.isInteger(rows) || rows < 1) throw new Error(`rows must be a positive integer, got '${process.argv[2]}'`);
  const counts = (process.argv[3] ?? '1,2,4').split(',').map(Number);
  if (counts.some((c) => !Number.isInteger(c) || c < 1)) throw new Error(`workers must be a list like 1,2,4, got '${process.argv[3]}'`);
  const timeoutMs = Number(process.env.BENCH_TIMEOUT_S || 120 + rows / 2000) * 1000;
  const settings = loadConfig();
  console.log(
    `bench:scale  ${n(rows)} rows  workers ${counts.join(', ')}  CHUNK_SIZE=${settings.chunkSize}  WORKER_CONCURRENCY=${settings.workerConcurrency}  DIRECT_CHUNKS=${settings.directChunks}  ` +
      `PG_POOL_SIZE=${settings.pgPoolSize}  ${availableParallelism()} cores  Node ${process.version}`,
  );
  console.log(`source: ${sourceRevision()}`);
  const s = await createBenchServices('bulkport-bench-scale');
  const csvPath = join(s.dir, 'contacts.csv');
  const { bytes } = await generateContactsCsv(csvPath, rows, { seed: 42 });
  console.log(`generated ${(bytes / 1e6).toFixed(1)} MB`);
  const token = (await createTokens(s, ['bench'])).get('bench')!;
  const workspaceId = await workspaceIdOf(s, 'bench');

  console.log('\n== per-stage CPU on the worker side, one core, no database (best of 2 passes each)');
  const node = await measureWorkerStages(csvPath, settings.chunkSize);
  const perMillionParsed = (sec: number) => ((sec * 1e6) / node.rows).toFixed(2);
  const perM = (sec: number) => `${perMillionParsed(sec)} s per million rows`;
  console.log(
    `  parse ${node.parse.toFixed(2)} s (${perM(node.parse)}), validate ${node.validate.toFixed(2)} s (${perM(node.validate)}), encode for COPY ${node.encode.toFixed(2)} s (${perM(node.encode)})`,
  );

  const baselineRuns = Math.max(1, Number(process.env.BASELINE_RUNS || 2));
  console.log(`\n== baseline: psql \\copy into ${BASELINE_TABLE}, best of ${baselineRuns}`);
  let baseline = Infinity;
  for (let i = 0; i < baselineRuns; i++) {
    const run = await copyBaseline(s.db.url, csvPath, workspaceId);
    console.log(`  ${n(run.rows)} rows in ${run.seconds.toFixed(2)} s (${n(rows / run.seconds)} rows/s)`);
    baseline = Math.min(baseline, run.seconds);
  }
  await withClient(s.db.url, (c) => c.query(`DROP TABLE ${BASELINE_TABLE}`));

  const api = await startApi(s);
  const monitor = await DatabaseMonitor.connect(s.db.url);
  const runs: ScaleRun[] = [];
  for (const count of counts) {
    console.log(`\n== ${count} worker process${count > 1 ? 'es' : ''}`);
    await withClient(s.db.url, (c) => c.query('TRUNCATE contacts'));
    await checkpoint(s.db.url);
    const workers: AppProcess[] = [];
    for (let i = 1; i <= count; i++) workers.push(await startWorker(s, `worker-${count}.${i}`));
    const died = Promise.race([api.exited, ...workers.map((w) => w.exited)]);
    const cpu0 = {
      workers: workers.map((w) => cpuSeconds(w.pid)),
      api: cpuSeconds(api.pid),
      postgres: postgresCpu(s.db.name),
      machine: machineCpu(),
      foreign: new ForeignCpuTracker(s.db.name),
    };
    const t0 = performance.now();
    let monitoring = false;
    let lastPrint = 0;
    const onEvent = (e: ProgressEvent) => {
      if (!monitoring) {
        monitor.start(e.jobId, t0);
        monitoring = true;
      }
      const now = performance.now();
      if (now - lastPrint < 2000 && e.status === 'RUNNING') return;
      lastPrint = now;
      console.log(
        `  [${((now - t0) / 1000).toFixed(1).padStart(6)} s]  ${e.status.padEnd(9)} merged ${n(e.processedRows).padStart(11)}  ${e.percent.toFixed(1).padStart(5)}%`,
      );
    };
    const run = await Promise.race([timedImport({ apiUrl: api.graphqlUrl, wsUrl: api.wsUrl, token, csvPath, timeoutMs }, {}, onEvent), died]);
    const report = await monitor.stop();
    const pg = postgresCpuDelta(cpu0.postgres, postgresCpu(s.db.name));
    const result: ScaleRun = {
      workers: count,
      seconds: run.seconds,
      status: run.final.status,
      processedRows: run.final.processedRows,
      stagedAt: report.stagingDoneSeconds,
      cpu: {
        workers: workers.reduce((sum, w, i) => sum + cpuSeconds(w.pid) - cpu0.workers[i]!, 0),
        postgres: pg.ours + pg.shared,
        api: cpuSeconds(api.pid) - cpu0.api,
        machineBusy: machineCpu().busySeconds - cpu0.machine.busySeconds,
        foreign: cpu0.foreign.stop(),
      },
      db: databaseStages(report),
    };
    runs.push(result);
    const c = result.cpu;
    console.log(
      `  ${result.status} in ${run.seconds.toFixed(2)} s (${n(rows / run.seconds)} rows/s); whole file staged at ${result.stagedAt?.toFixed(2) ?? '?'} s; ` +
        `CPU s: workers ${c.workers.toFixed(1)}, PostgreSQL ${c.postgres.toFixed(1)}, api ${c.api.toFixed(1)}; machine busy ${c.machineBusy.toFixed(1)} of ${(availableParallelism() * run.seconds).toFixed(1)}`,
    );
    const d = result.db;
    console.log(
      `  PostgreSQL backends (sampled backend-seconds, of which on CPU): COPY into staging ${d.stage.toFixed(1)} (${d.stageOnCpu.toFixed(1)}), ` +
        `merge ${d.merge.toFixed(1)} (${d.mergeOnCpu.toFixed(1)}), direct COPY and ledger ${d.direct.toFixed(1)} (${d.directOnCpu.toFixed(1)}), ` +
        `other ${d.other.toFixed(1)} (${d.otherOnCpu.toFixed(1)})`,
    );
    for (const w of workers) await w.stop(30_000);
  }
  await monitor.close();

  console.log(`\n== summary: ${n(rows)} rows, ${(bytes / 1e6).toFixed(1)} MB CSV, one API, ${availableParallelism()} cores shared with PostgreSQL`);
  const cores = availableParallelism();
  printTable([
    ['', 'seconds', 'rows/s', '% of \\copy', 'staged at s', 'worker CPU s', 'PostgreSQL CPU s', 'machine busy', 'others used'],
    ['psql \\copy (baseline)', baseline.toFixed(2), n(rows / baseline), '100.0%', '', '', '', '', ''],
    ...runs.map((r) => [
      `${r.workers} worker process${r.workers > 1 ? 'es' : ''}`,
      r.seconds.toFixed(2),
      n(rows / r.seconds),
      `${((100 * baseline) / r.seconds).toFixed(1)}%`,
      r.stagedAt?.toFixed(2) ?? '?',
      r.cpu.workers.toFixed(1),
      r.cpu.postgres.toFixed(1),
      `${((100 * r.cpu.machineBusy) / (cores * r.seconds)).toFixed(0)}%`,
      `${(100 * disturbance(r.cpu.foreign, r.seconds)).toFixed(0)}%`,
    ]),
  ]);
  const one = runs[0]!;
  const perMillion = (v: number) => ((v * 1e6) / rows).toFixed(2);
  console.log(`\nper-stage cost per million rows (CPU seconds; PostgreSQL's from sampled backends of the ${one.workers}-worker run):`);
  printTable([
    ['stage', 'where', 's per 1M rows'],
    ['parse', 'worker (one core, measured apart)', perMillionParsed(node.parse)],
    ['validate', 'worker (one core, measured apart)', perMillionParsed(node.validate)],
    ['encode for COPY + key filter', 'worker (one core, measured apart)', perMillionParsed(node.encode)],
    ['stage: COPY into UNLOGGED staging', 'PostgreSQL backend, active (on CPU)', `${perMillion(one.db.stage)} (${perMillion(one.db.stageOnCpu)})`],
    ['merge: set-based INSERT ... ON CONFLICT', 'PostgreSQL backends, active (on CPU)', `${perMillion(one.db.merge)} (${perMillion(one.db.mergeOnCpu)})`],
    [
      'direct: COPY straight into the table, and its ledger',
      'PostgreSQL backend, active (on CPU)',
      `${perMillion(one.db.direct)} (${perMillion(one.db.directOnCpu)})`,
    ],
    ['other statements', 'PostgreSQL backends, active (on CPU)', `${perMillion(one.db.other)} (${perMillion(one.db.otherOnCpu)})`],
    ['whole import, measured', `worker process / PostgreSQL (all its processes)`, `${perMillion(one.cpu.workers)} / ${perMillion(one.cpu.postgres)}`],
  ]);
  const demand = (one.cpu.workers + one.cpu.postgres + one.cpu.api) / rows;
  console.log(
    `CPU the ${one.workers}-worker import needed: ${(demand * 1e6).toFixed(2)} s per million rows (worker + PostgreSQL + API); ` +
      `${cores} cores can give at most ${n(cores / demand)} rows/s to it`,
  );
  const failed = runs.filter((r) => r.status !== 'COMPLETED' || r.processedRows !== rows);
  for (const r of failed) console.log(`FAIL  ${r.workers} workers: ${r.status}, ${r.processedRows} rows processed`);
  if (failed.length > 0) process.exitCode = 1;
}

await runBench('bench:scale', main);
