import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../src/auth/tokens.ts';
import { createPool } from '../../src/db/pool.ts';
import { createPrisma } from '../../src/db/prisma.ts';
import { appEnvironment, freePort, startAppProcess, waitForHealthy, waitForOutput, type AppProcess } from '../helpers/appProcess.ts';
import { faultyContactsCsv, importOutcome, jobProgressRow, waitFor, type ImportOutcome } from '../helpers/faultImport.ts';
import { uploadImport, waitForJob } from '../helpers/graphqlClient.ts';
import { startOwnPostgres, type OwnPostgres } from '../helpers/ownPostgres.ts';
import { REDIS_URL } from '../helpers/testApp.ts';

// An immediate-mode restart of PostgreSQL mid-import, on a PostgreSQL this test runs itself. Crash
// recovery empties the UNLOGGED staging tables: the import must notice, restage what it lost from the
// stored file, and finish exactly as an uninterrupted run; no process may crash.
const ROWS = 120_000;
/** Real processes on a shared 2-core machine: an import of this file can take a minute or two when the machine is busy. */
const FAULT_TEST_TIMEOUT = 300_000;
const csv = faultyContactsCsv(ROWS);
let pg: OwnPostgres;
let dir: string;
let api: AppProcess;
let worker: AppProcess;
/** The worker's own /metrics server (METRICS_PORT). */
let workerMetrics: string;
let url: string;
let token: (workspace: string) => Promise<string>;
let stopTokens: () => Promise<void>;

beforeAll(async () => {
  pg = await startOwnPostgres();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkport-pgcrash-'));
  const port = await freePort();
  const env = { ...appEnvironment({ databaseUrl: pg.url, redisUrl: REDIS_URL, port, dir }), CHUNK_SIZE: '500' };
  api = startAppProcess('api', ['src/main.ts', 'api'], env, path.join(dir, 'api.log'));
  url = `http://127.0.0.1:${port}/graphql`;
  await waitForHealthy(`http://127.0.0.1:${port}/healthz`, api);
  workerMetrics = `http://127.0.0.1:${await freePort()}`;
  worker = startAppProcess('worker', ['src/main.ts', 'worker'], { ...env, PORT: '0', METRICS_PORT: new URL(workerMetrics).port }, path.join(dir, 'worker.log'));
  await waitForOutput(worker, 'worker running');
  const pool = createPool(pg.url, 2);
  const prisma = createPrisma(pool);
  token = (workspace) => createToken(prisma, workspace);
  stopTokens = async () => {
    await prisma.$disconnect();
    await pool.end();
  };
}, 120_000);
afterAll(async () => {
  await stopTokens?.();
  await Promise.all([api?.stop(5000), worker?.stop(5000)]);
  await pg?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function runImport(workspace: string, during?: (jobId: string) => Promise<void>): Promise<ImportOutcome> {
  const t = await token(workspace);
  const r = await uploadImport(url, t, csv);
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  const id = r.data.startImport.id;
  await during?.(id);
  const ended = await waitForJob(url, t, id, undefined, 240_000);
  expect(ended).toMatchObject({ status: 'COMPLETED', failureReason: null });
  return importOutcome(pg.url, id);
}

describe('PostgreSQL restarted in immediate mode mid-import', () => {
  it(
    'should restage what crash recovery emptied and finish exactly, with no process crashing',
    async () => {
      const baseline = await runImport('baseline');
      const crashed = await runImport('crashed', async (jobId) => {
        await waitFor(
          'a quarter of the chunks merged',
          async () => {
            const p = await jobProgressRow(pg.url, jobId).catch(() => undefined);
            return p && p.merged_chunks >= 60 ? true : undefined;
          },
          120_000,
        );
        const before = (await jobProgressRow(pg.url, jobId)).merged_chunks;
        const crashedAt = Date.now();
        await pg.crashRestart(2000);
        const upAt = Date.now();
        await waitFor(
          'merges to go on after the restart',
          async () => {
            const p = await jobProgressRow(pg.url, jobId).catch(() => undefined);
            return p && (p.merged_chunks > before || p.status !== 'RUNNING') ? true : undefined;
          },
          120_000,
          100,
        );
        console.log(
          `[faults] PostgreSQL immediate restart: down ${((upAt - crashedAt) / 1000).toFixed(1)} s; ` +
            `merges committing again ${((Date.now() - upAt) / 1000).toFixed(1)} s after it was back`,
        );
      });
      expect(crashed).toEqual(baseline);
      expect(api.isRunning()).toBe(true);
      expect(worker.isRunning()).toBe(true);
      expect(worker.tail(200)).toMatch(/were lost .*restaging/);
      // The restage is counted where it happened: on the worker's own metrics port.
      const metrics = await (await fetch(`${workerMetrics}/metrics`)).text();
      expect(Number(/^bulkport_restages_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
    },
    FAULT_TEST_TIMEOUT,
  );
});
