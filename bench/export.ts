/**
 * End-to-end export benchmark, timed from the client's side: seeds N realistic contacts (the import
 * benchmark's generated file), then in each of BENCH_RUNS rounds runs, one after the other,
 *   - the baseline as a user types it: `psql \copy (select email, … from contacts where workspace_id = …) to file`,
 *   - the same rows as the export's own query (CSV with a header, ORDER BY id, tags joined), for comparison,
 *   - exports in each format through the real API and worker: startExport over HTTP, jobProgress over
 *     graphql-ws until COMPLETED, then the signed downloadUrl fetched by curl,
 *   - the finished CSV fetched again by curl alone: to a file, as a user does (the download target is
 *     measured so, and includes this machine's disk writes by curl), to /dev/null (the server's delivery)
 *     and, without a server, curl's own file:// copy of it (the most curl writes to a file here),
 * and prints each figure's median and spread over the rounds, with every export's ratio to the
 * baseline of its own round. The rounds interleave, so a disturbance hits baseline and exports alike.
 * Fresh database and temp directory, removed at the end (also on failure or Ctrl-C).
 *
 *   npx tsx bench/export.ts [rows=1000000]          (npm run bench:export)
 *   BENCH_RUNS     rounds (default 3)
 *   BENCH_ROLE     'all': one process running the API and the worker, as `npm start` does, instead of
 *                  `npm run api` + `npm run worker`
 *   BENCH_WORKER_NODE_FLAGS  node flags for the worker process (or the one process of role all), e.g.
 *                  "--cpu-prof --cpu-prof-dir=/tmp/prof"
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appEnvironment, freePort, runToCompletion, startAppProcess, waitForHealthy, waitForOutput } from '../test/helpers/appProcess.ts';
import { ADMIN_URL, assertLoopback, checkpoint, createBenchDatabase, runPsql, withClient } from './benchDatabase.ts';
import { onCleanup, runBench, track } from './benchLifecycle.ts';
import { curlDownload, exportAndDownload, gql } from './exportClient.ts';
import { generateContactsCsv } from './generateContacts.ts';
import { disturbance } from './importReport.ts';
import { cpuSeconds, ForeignCpuTracker, postgresCpu, postgresCpuDelta, readMemory, resetPeakRss } from './procStats.ts';

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const n = (v: number) => Math.round(v).toLocaleString('en');

const EXPORTS = [
  { title: 'CSV, formula protection on (default)', input: { entity: 'CONTACTS' }, targets: { completed: 80, withDownload: 60 } },
  { title: 'CSV, rawCells: true', input: { entity: 'CONTACTS', rawCells: true } },
  { title: 'JSONL', input: { entity: 'CONTACTS', format: 'JSONL' } },
  { title: 'CSV, gzip', input: { entity: 'CONTACTS', gzip: true } },
] as const;
const DOWNLOAD_TARGET_MBPS = 500;

interface Spread {
  median: number;
  min: number;
  max: number;
}
function spread(values: number[]): Spread {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return { median: s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2, min: s[0]!, max: s[s.length - 1]! };
}
const fmt = (x: Spread, digits = 2, unit = '') =>
  `${x.median.toFixed(digits)}${unit} [${x.min.toFixed(digits)}–${x.max.toFixed(digits)}]`.padEnd(22 + unit.length);

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 1_000_000);
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  const singleProcess = process.env.BENCH_ROLE === 'all';
  if (process.env.BENCH_ROLE && !singleProcess) throw new Error(`BENCH_ROLE must be 'all' or unset, got '${process.env.BENCH_ROLE}'`);
  assertLoopback(ADMIN_URL, 'DATABASE_URL');
  assertLoopback(REDIS_URL, 'REDIS_URL');
  const role = singleProcess ? 'one process (role all, as npm start)' : 'API and worker processes (npm run api + npm run worker)';
  console.log(`bench:export  ${n(rows)} rows  ${runs} rounds  ${role}  Node ${process.version}`);
  const db = await createBenchDatabase();
  onCleanup('drop the benchmark database', () => db.drop());
  const dir = mkdtempSync(join(tmpdir(), 'bulkport-bench-export-'));
  onCleanup('remove the temp directory', () => rmSync(dir, { recursive: true, force: true }));

  const port = await freePort();
  const env = appEnvironment({ databaseUrl: db.url, redisUrl: REDIS_URL, port, dir });
  const token = (await runToCompletion(['src/cli.ts', 'token', 'create', '--workspace', 'bench'], env)).trim();
  const workspaceId = await withClient(db.url, async (c) => (await c.query(`SELECT id FROM workspaces WHERE name = 'bench'`)).rows[0].id as string);

  // The import benchmark's file (UTF-8 names, quoted cells, tags, phones starting with '+': cells the
  // formula guard must act on), loaded as an import leaves it, then vacuumed as autovacuum would.
  const seeded = performance.now();
  const source = join(dir, 'contacts.csv');
  const { bytes: sourceBytes } = await generateContactsCsv(source, rows);
  await withClient(db.url, (c) => c.query(`CREATE UNLOGGED TABLE seed (email text, first_name text, last_name text, phone text, company text, tags text)`));
  await runPsql(db.url, `\\copy seed FROM '${source}' WITH (FORMAT csv, HEADER true)`);
  await withClient(db.url, async (c) => {
    await c.query(
      `INSERT INTO contacts (workspace_id, email, first_name, last_name, phone, company, tags)
       SELECT $1::uuid, email, first_name, coalesce(last_name, ''), nullif(phone, ''), nullif(company, ''),
              coalesce(string_to_array(nullif(tags, ''), ','), '{}') FROM seed`,
      [workspaceId],
    );
    await c.query('DROP TABLE seed');
    await c.query('VACUUM ANALYZE contacts');
  });
  rmSync(source);
  console.log(`seeded ${n(rows)} contacts (${(sourceBytes / 1e6).toFixed(1)} MB as the import file) in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);

  const workerNodeFlags = (process.env.BENCH_WORKER_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
  let worker;
  if (singleProcess) {
    worker = track(startAppProcess('api+worker', ['src/main.ts', 'all'], env, join(dir, 'app.log'), workerNodeFlags), 30_000);
    await Promise.all([waitForHealthy(`http://127.0.0.1:${port}/healthz`, worker), waitForOutput(worker, 'API and worker ready')]);
  } else {
    const api = track(startAppProcess('api', ['src/main.ts', 'api'], env, join(dir, 'api.log')));
    worker = track(startAppProcess('worker', ['src/main.ts', 'worker'], env, join(dir, 'worker.log'), workerNodeFlags), 30_000);
    await Promise.all([waitForHealthy(`http://127.0.0.1:${port}/healthz`, api), waitForOutput(worker, 'worker running')]);
  }
  await new Promise((r) => setTimeout(r, 1000));
  const client = { httpUrl: `http://127.0.0.1:${port}/graphql`, wsUrl: `ws://127.0.0.1:${port}/graphql`, token };

  const userSelect = `SELECT email, first_name, last_name, phone, company, tags FROM contacts WHERE workspace_id = '${workspaceId}'`;
  const exportSelect = `SELECT email, first_name, last_name, phone, company, array_to_string(tags, ',') AS tags FROM contacts WHERE workspace_id = '${workspaceId}' ORDER BY id`;
  const baselineFile = join(dir, 'baseline.out');
  const timedPsql = async (command: string) => {
    await checkpoint(db.url);
    const t0 = performance.now();
    await runPsql(db.url, command);
    return (performance.now() - t0) / 1000;
  };

  const baseline: number[] = [];
  const exportQuery: number[] = [];
  const results = EXPORTS.map(() => ({
    completed: [] as number[],
    withDownload: [] as number[],
    pctCompleted: [] as number[],
    pctWithDownload: [] as number[],
  }));
  // MB/s of the finished CSV: curl to a file as a user runs it (the target), curl to /dev/null (what the
  // server delivers, without this machine's disk writes), and curl copying the file itself from disk
  // (file://, no server at all: the ceiling of curl writing a file here, in 4 and 12 KiB writes).
  const csvDownloads = { file: [] as number[], devNull: [] as number[], curlFileCopy: [] as number[] };
  const csvParts = { pickup: [] as number[], worker: [] as number[], notify: [] as number[] };
  // CPU seconds per export, which a busy machine disturbs far less than the wall clock.
  const cpu = EXPORTS.map(() => ({ worker: [] as number[], postgres: [] as number[] }));
  let peakRss = 0;
  let exact = true;
  let fileMb = 0;
  const foreign = new ForeignCpuTracker(db.name);
  const measuring = performance.now();

  for (let round = 1; round <= runs; round++) {
    const base = await timedPsql(`\\copy (${userSelect}) TO '${baselineFile}'`);
    baseline.push(base);
    exportQuery.push(await timedPsql(`\\copy (${exportSelect}) TO '${baselineFile}' WITH (FORMAT csv, HEADER true)`));
    const line = [`round ${round}: \\copy ${base.toFixed(2)} s`];
    for (const [i, e] of EXPORTS.entries()) {
      resetPeakRss(worker.pid);
      await checkpoint(db.url);
      const file = join(dir, `download-${round}-${i}`);
      const [worker0, pg0] = [cpuSeconds(worker.pid), postgresCpu(db.name)];
      const r = await exportAndDownload({ ...client, file }, e.input);
      cpu[i]!.worker.push(cpuSeconds(worker.pid) - worker0);
      cpu[i]!.postgres.push(postgresCpuDelta(pg0, postgresCpu(db.name)).ours);
      peakRss = Math.max(peakRss, readMemory(worker.pid)?.peakMb ?? NaN);
      exact &&= r.status === 'COMPLETED' && r.totalRows === rows && r.download.httpStatus === 200;
      results[i]!.completed.push(r.toCompleted);
      results[i]!.withDownload.push(r.withDownload);
      results[i]!.pctCompleted.push((100 * base) / r.toCompleted);
      results[i]!.pctWithDownload.push((100 * base) / r.withDownload);
      line.push(`${e.title.split(',')[0]}${i === 1 ? ' raw' : ''} ${r.toCompleted.toFixed(2)} + ${(r.withDownload - r.toCompleted).toFixed(2)} s`);
      if (i === 0) {
        fileMb = r.download.bytes / 1e6;
        // The same file again by curl alone: the server's delivery rate, without the export before it.
        const link = (await jobLink(client, r.jobId)).url;
        const rate = (d: { bytes: number; seconds: number }) => d.bytes / 1e6 / d.seconds;
        csvDownloads.file.push(rate(await curlDownload(link, file)));
        csvDownloads.devNull.push(rate(await curlDownload(link, '/dev/null')));
        csvDownloads.curlFileCopy.push(rate(await curlDownload(`file://${file}`, `${file}.copy`)));
        rmSync(`${file}.copy`, { force: true });
        const t = await withClient(db.url, async (c) => (await c.query(jobTimesSql, [r.jobId])).rows[0]);
        csvParts.pickup.push(t.pickup);
        csvParts.worker.push(t.worker);
        csvParts.notify.push(r.toCompleted - t.pickup - t.worker);
      }
      rmSync(file, { force: true });
    }
    console.log(line.join(', '));
  }
  const others = disturbance(foreign.stop(), (performance.now() - measuring) / 1000);

  console.log(`\n== summary: ${n(rows)} contacts, ${runs} rounds, median [min–max]; ${role}; Node ${process.version}, 2 cores`);
  console.log(`   time from the client's side: startExport sent → COMPLETED seen over graphql-ws; "+ download" until curl has the file`);
  console.log(`${''.padEnd(58)}${'seconds'.padEnd(24)}${'% of \\copy'.padEnd(24)}target`);
  console.log(`${'psql \\copy (select … where workspace_id = …) to file'.padEnd(58)}${fmt(spread(baseline))}  100%`);
  console.log(`${"psql \\copy of the export's own query (CSV, ORDER BY)".padEnd(58)}${fmt(spread(exportQuery))}`);
  for (const [i, e] of EXPORTS.entries()) {
    const r = results[i]!;
    const t = 'targets' in e ? e.targets : undefined;
    const pass = (pct: Spread, target: number) => `${pct.median >= target ? 'PASS' : 'FAIL'} >= ${target}%`;
    const pc = spread(r.pctCompleted);
    const pd = spread(r.pctWithDownload);
    console.log(`${`export ${e.title}: COMPLETED`.padEnd(58)}${fmt(spread(r.completed))}  ${fmt(pc, 1, '%')}${t ? pass(pc, t.completed) : ''}`);
    console.log(`${'  + download (curl)'.padEnd(58)}${fmt(spread(r.withDownload))}  ${fmt(pd, 1, '%')}${t ? pass(pd, t.withDownload) : ''}`);
  }
  console.log(
    `CPU seconds per export (medians, export and download; the worker process${singleProcess ? ' serves the download too' : ''}, and this database's PostgreSQL backends):`,
  );
  console.log(
    `   ${EXPORTS.map((e, i) => `${e.title.split(' (')[0]}: worker ${spread(cpu[i]!.worker).median.toFixed(2)}, PostgreSQL ${spread(cpu[i]!.postgres).median.toFixed(2)}`).join('; ')}`,
  );
  const dl = spread(csvDownloads.file);
  console.log(
    `download of the ${fileMb.toFixed(1)} MB CSV by curl alone, to a file: ${fmt(dl, 0, ' MB/s')}${dl.median >= DOWNLOAD_TARGET_MBPS ? 'PASS' : 'FAIL'} >= ${DOWNLOAD_TARGET_MBPS} MB/s`,
  );
  console.log(
    `   the same to /dev/null (the server's delivery, no disk writes): ${fmt(spread(csvDownloads.devNull), 0, ' MB/s').trim()}; ` +
      `curl copying that file from disk (file://, no server: curl's own ceiling here): ${fmt(spread(csvDownloads.curlFileCopy), 0, ' MB/s').trim()}`,
  );
  console.log(
    `CSV export, where the client's wait went (medians): queued → RUNNING ${spread(csvParts.pickup).median.toFixed(2)} s, ` +
      `RUNNING → COMPLETED (worker) ${spread(csvParts.worker).median.toFixed(2)} s, the rest (request, notification) ${spread(csvParts.notify).median.toFixed(2)} s`,
  );
  console.log(
    `worker peak RSS ${peakRss.toFixed(0)} MB (target < 200 MB); processes outside the benchmark used ${(100 * others).toFixed(0)}% of the machine meanwhile`,
  );
  if (!exact) {
    console.log('an export did not complete with every row, or its download failed');
    process.exitCode = 1;
  }
}

const jobTimesSql = `SELECT extract(epoch FROM started_at - created_at)::float8 AS pickup, extract(epoch FROM completed_at - started_at)::float8 AS worker FROM jobs WHERE id = $1`;

async function jobLink(client: { httpUrl: string; token: string }, jobId: string): Promise<{ url: string }> {
  const { job } = await gql(client.httpUrl, client.token, `query($id: ID!) { job(id: $id) { downloadUrl } }`, { id: jobId });
  return { url: job.downloadUrl };
}

await runBench('bench:export', main);
