/**
 * End-to-end export benchmark: seeds N contacts, exports them through the real API and a separate
 * worker process (as `npm run api` / `npm run worker` start them) and prints the rate beside
 * `psql \copy (SELECT …) TO file` of the same rows and columns in the same run, plus the worker's
 * peak RSS. Fresh database and temp directory, removed at the end (also on failure or Ctrl-C).
 *
 *   npx tsx bench/export.ts [rows=1000000]          (npm run bench:export)
 */
import { mkdtempSync, rmSync, statSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { appEnvironment, freePort, runToCompletion, startAppProcess, waitForHealthy, waitForOutput } from '../test/helpers/appProcess.ts';
import { ADMIN_URL, assertLoopback, checkpoint, createBenchDatabase, runPsql, withClient } from './benchDatabase.ts';
import { waitForTerminal } from './importClient.ts';
import { readMemory, resetPeakRss } from './procStats.ts';

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const n = (v: number) => Math.round(v).toLocaleString('en');
const cleanups: Array<() => Promise<unknown> | unknown> = [];
let cleaning: Promise<void> | undefined;
const cleanup = () =>
  (cleaning ??= (async () => {
    for (const step of cleanups.reverse())
      await Promise.resolve()
        .then(step)
        .catch((e: Error) => console.error(`cleanup: ${e.message}`));
  })());
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void cleanup().finally(() => process.exit(130)));

async function gql(url: string, token: string, query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: any; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 1_000_000);
  assertLoopback(ADMIN_URL, 'DATABASE_URL');
  assertLoopback(REDIS_URL, 'REDIS_URL');
  console.log(`bench:export  ${n(rows)} rows  Node ${process.version}`);
  const db = await createBenchDatabase();
  cleanups.push(() => db.drop());
  const dir = mkdtempSync(join(tmpdir(), 'bulkport-bench-export-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));

  const port = await freePort();
  const env = appEnvironment({ databaseUrl: db.url, redisUrl: REDIS_URL, port, dir });
  const token = (await runToCompletion(['src/cli.ts', 'token', 'create', '--workspace', 'bench'], env)).trim();
  const workspaceId = await withClient(db.url, async (c) => (await c.query(`SELECT id FROM workspaces WHERE name = 'bench'`)).rows[0].id as string);

  // Realistic rows: commas and quotes, UTF-8 names, tags, some cells a spreadsheet would evaluate.
  const seeded = performance.now();
  await withClient(db.url, (c) =>
    c.query(
      `INSERT INTO contacts (workspace_id, email, first_name, last_name, phone, company, tags)
       SELECT $1::uuid, 'user' || i || '@example.com',
              (ARRAY['Zoë','Łukasz','José','Ann','Bob','Chloé'])[1 + i % 6],
              CASE WHEN i % 7 = 0 THEN 'O''Brien, Jr.' ELSE 'Lee' || i END,
              CASE WHEN i % 3 = 0 THEN '+1 555 ' || lpad((i % 10000)::text, 4, '0') END,
              CASE WHEN i % 5 = 0 THEN 'Acme "Global", Inc.' WHEN i % 11 = 0 THEN '=HYPERLINK("x")' ELSE 'Company ' || (i % 1000) END,
              CASE WHEN i % 2 = 0 THEN ARRAY['vip','beta'] ELSE ARRAY[]::text[] END
       FROM generate_series(1, $2::int) AS i`,
      [workspaceId, rows],
    ),
  );
  await withClient(db.url, (c) => c.query('VACUUM ANALYZE contacts'));
  console.log(`seeded ${n(rows)} contacts in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);

  // Baseline: the same rows and columns, as CSV with a header, by psql.
  const baselineFile = join(dir, 'baseline.csv');
  const select = `SELECT email, first_name, last_name, phone, company, array_to_string(tags, ',') AS tags FROM contacts WHERE workspace_id = '${workspaceId}' ORDER BY id`;
  let baseline = Infinity;
  for (let i = 0; i < 2; i++) {
    await checkpoint(db.url);
    const t0 = performance.now();
    await runPsql(db.url, `\\copy (${select}) TO '${baselineFile}' WITH (FORMAT csv, HEADER true)`);
    baseline = Math.min(baseline, (performance.now() - t0) / 1000);
  }
  console.log(`baseline psql \\copy (select …) to file: ${baseline.toFixed(2)} s, ${(statSync(baselineFile).size / 1e6).toFixed(1)} MB`);

  const api = startAppProcess('api', ['src/main.ts', 'api'], env, join(dir, 'api.log'));
  cleanups.push(() => api.stop());
  const worker = startAppProcess('worker', ['src/main.ts', 'worker'], env, join(dir, 'worker.log'));
  cleanups.push(() => worker.stop(30_000));
  await Promise.all([waitForHealthy(`http://127.0.0.1:${port}/healthz`, api), waitForOutput(worker, 'worker running')]);
  await new Promise((r) => setTimeout(r, 1000));
  const url = `http://127.0.0.1:${port}/graphql`;

  const phase = async (title: string, input: Record<string, unknown>) => {
    resetPeakRss(worker.pid);
    await checkpoint(db.url);
    const t0 = performance.now();
    const { startExport } = await gql(url, token, `mutation($i: StartExportInput!) { startExport(input: $i) { id } }`, { i: input });
    let lastPrint = 0;
    const final = await waitForTerminal(
      `ws://127.0.0.1:${port}/graphql`,
      token,
      startExport.id,
      (e) => {
        if (performance.now() - lastPrint > 1000) {
          lastPrint = performance.now();
          console.log(
            `  [${((lastPrint - t0) / 1000).toFixed(1).padStart(5)} s] ${e.status.padEnd(9)} ${n(e.processedRows)} / ${n(e.totalRows ?? 0)}  ${e.percent.toFixed(1)}%`,
          );
        }
      },
      600_000,
    );
    const seconds = (performance.now() - t0) / 1000;
    const peak = readMemory(worker.pid)?.peakMb ?? NaN;
    const { job } = await gql(url, token, `query($id: ID!) { job(id: $id) { totalRows processedRows downloadUrl } }`, { id: startExport.id });
    const file = join(dir, `download-${startExport.id}`);
    const t1 = performance.now();
    const res = await fetch(job.downloadUrl);
    await pipeline(Readable.fromWeb(res.body as never), createWriteStream(file));
    const downloadSeconds = (performance.now() - t1) / 1000;
    const ok = final.status === 'COMPLETED' && job.totalRows === rows && job.processedRows === rows && res.status === 200;
    console.log(
      `${title}: ${final.status} in ${seconds.toFixed(2)} s, ${(statSync(file).size / 1e6).toFixed(1)} MB, download ${downloadSeconds.toFixed(2)} s, exact: ${ok}`,
    );
    return { title, seconds, peak, ok };
  };

  const results = [
    await phase('export CSV (formula protection on)', { entity: 'CONTACTS' }),
    await phase('export CSV rawCells', { entity: 'CONTACTS', rawCells: true }),
    await phase('export JSONL', { entity: 'CONTACTS', format: 'JSONL' }),
    await phase('export CSV gzip', { entity: 'CONTACTS', gzip: true }),
  ];

  console.log(`\n== summary: ${n(rows)} contacts, 2 cores, Node ${process.version}`);
  console.log(`${''.padEnd(40)}${'seconds'.padStart(9)}${'rows/s'.padStart(11)}${'% of \\copy'.padStart(12)}${'worker peak RSS'.padStart(17)}  target`);
  console.log(`${'psql \\copy (select …) to file'.padEnd(40)}${baseline.toFixed(2).padStart(9)}${n(rows / baseline).padStart(11)}${'100.0%'.padStart(12)}`);
  for (const r of results) {
    const pct = (100 * baseline) / r.seconds;
    const target =
      r.title.includes('gzip') || r.title.includes('JSONL') ? '' : `${pct >= 60 ? 'PASS' : 'FAIL'} >= 60%, ${r.peak < 200 ? 'PASS' : 'FAIL'} < 200 MB`;
    console.log(
      `${r.title.padEnd(40)}${r.seconds.toFixed(2).padStart(9)}${n(rows / r.seconds).padStart(11)}${`${pct.toFixed(1)}%`.padStart(12)}${`${r.peak.toFixed(0)} MB`.padStart(17)}  ${target}`,
    );
  }
  if (results.some((r) => !r.ok)) process.exitCode = 1;
}

try {
  await main();
} catch (err) {
  console.error(`bench:export failed: ${(err as Error).stack ?? err}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
