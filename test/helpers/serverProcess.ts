import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createToken, type TokenRole } from '../../src/auth/tokens.ts';
import { createPool } from '../../src/db/pool.ts';
import { createPrisma } from '../../src/db/prisma.ts';
import { appEnvironment, freePort, startAppProcess, waitForHealthy, waitForOutput, type AppProcess } from './appProcess.ts';
import { createTestDatabase } from './testDatabase.ts';
import { REDIS_URL } from './testApp.ts';

export interface ServerProcesses {
  url: string;
  wsUrl: string;
  databaseUrl: string;
  storageDir: string;
  /** The environment every process of this test shares (database, Redis prefix, storage). */
  env: NodeJS.ProcessEnv;
  /** The API (or API and worker, role 'all') process. */
  api: AppProcess;
  /** Starts another process on the same database, Redis prefix and storage (e.g. a worker). */
  start(role: 'api' | 'worker' | 'all', extraEnv?: NodeJS.ProcessEnv): Promise<AppProcess>;
  token(workspace: string, role?: TokenRole): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Runs Bulkport as real child processes (`node --import tsx src/main.ts <role>`, as `npm run api`
 * does), on a fresh database, for the tests that need a process boundary: a crash, a signal, the
 * defaults of a role. `env` replaces variables of the inherited environment; an undefined value
 * removes one (e.g. NODE_ENV: undefined to see a role's own default).
 */
export async function startServerProcesses(role: 'api' | 'all' = 'all', env: NodeJS.ProcessEnv = {}): Promise<ServerProcesses> {
  const db = await createTestDatabase();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkport-proc-'));
  const port = await freePort();
  const shared: NodeJS.ProcessEnv = { ...appEnvironment({ databaseUrl: db.url, redisUrl: REDIS_URL, port, dir }), ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete shared[k];
  const processes: AppProcess[] = [];
  let n = 0;
  const start = async (r: 'api' | 'worker' | 'all', extraEnv: NodeJS.ProcessEnv = {}) => {
    const procEnv = { ...shared, ...extraEnv };
    if (r !== 'api' && r !== 'all') procEnv.PORT = '0';
    // Each worker gets its own metrics port: the default one (9464) would be taken by the first.
    if (r === 'worker' && procEnv.METRICS_PORT === undefined) procEnv.METRICS_PORT = String(await freePort());
    const proc = startAppProcess(`${r}-${++n}`, ['src/main.ts', r], procEnv, path.join(dir, `${r}-${n}.log`));
    processes.push(proc);
    if (r === 'worker') await waitForOutput(proc, 'worker running');
    return proc;
  };
  const api = await start(role);
  const url = `http://127.0.0.1:${port}/graphql`;
  await waitForHealthy(`http://127.0.0.1:${port}/healthz`, api);
  const pool = createPool(db.url, 2);
  const prisma = createPrisma(pool);
  return {
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    databaseUrl: db.url,
    storageDir: shared.STORAGE_DIR!,
    env: shared,
    api,
    start,
    token: (workspace, r = 'member') => createToken(prisma, workspace, r),
    async stop() {
      await Promise.all(processes.map((p) => p.stop(5_000)));
      await prisma.$disconnect();
      await pool.end();
      await db.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
