import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startApp, type RunningApp } from '../../src/app.ts';
import { createToken, type TokenRole } from '../../src/auth/tokens.ts';
import { loadConfig, type Config, type Role } from '../../src/config.ts';
import { createTestDatabase } from './testDatabase.ts';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestApp {
  app: RunningApp;
  url: string;
  wsUrl: string;
  databaseUrl: string;
  token(workspace: string, role?: TokenRole): Promise<string>;
  /**
   * Starts a separate worker (its own pool and Redis connections) on the same database, storage
   * and Redis prefix, as `npm run worker` would. Stopped by stop() if the test has not stopped it.
   */
  startWorker(): Promise<RunningApp>;
  stop(): Promise<void>;
}

/**
 * Starts the real server (API + worker unless told otherwise) on a random port, with its own fresh
 * database, its own Redis channel prefix and its own storage directory.
 */
export async function startTestApp(overrides: Partial<Config> = {}, role: Role = 'all'): Promise<TestApp> {
  const db = await createTestDatabase();
  const storageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkport-test-'));
  const config = loadConfig({
    port: 0,
    host: '127.0.0.1',
    databaseUrl: db.url,
    redisUrl: REDIS_URL,
    redisPrefix: `bulkport-test-${randomBytes(4).toString('hex')}:`,
    storageDir,
    devWorkspace: false,
    pgPoolSize: 6,
    ...overrides,
  });
  const app = await startApp(config, role);
  const url = app.url ?? '';
  const workers = new Set<RunningApp>();
  return {
    app,
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    databaseUrl: db.url,
    token: (workspace, r = 'member') => createToken(app.services.prisma!, workspace, r),
    async startWorker() {
      const worker = await startApp(config, 'worker');
      const stop = worker.stop.bind(worker);
      worker.stop = async () => {
        if (workers.delete(worker)) await stop();
      };
      workers.add(worker);
      return worker;
    },
    async stop() {
      for (const worker of [...workers]) await worker.stop();
      await app.stop();
      await db.drop();
      fs.rmSync(storageDir, { recursive: true, force: true });
    },
  };
}
