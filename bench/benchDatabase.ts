/**
 * The benchmark's own database on the local PostgreSQL server, and the `psql \copy` baseline.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** DATABASE_URL's server (it is only used to create and drop the benchmark's database), or the local one. */
export const ADMIN_URL = process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** The benchmark creates and drops databases and floods the server: it only ever talks to this machine. */
export function assertLoopback(url: string, what: string): void {
  const host = new URL(url).hostname;
  if (!LOOPBACK.has(host)) throw new Error(`${what} must be on this machine (127.0.0.1, localhost or ::1), not '${host}'`);
}

export function databaseUrl(name: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export async function createBenchDatabase(): Promise<BenchDatabase> {
  const name = `bulkport_bench_${randomBytes(6).toString('hex')}`;
  await withClient(ADMIN_URL, (c) => c.query(`CREATE DATABASE ${name}`));
  return {
    name,
    url: databaseUrl(name),
    // FORCE: a process that did not stop in time must not keep the database alive.
    drop: () => withClient(ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** Flushes dirty pages before a timed phase, so no phase pays for the previous one's writes. */
export async function checkpoint(url: string): Promise<void> {
  await withClient(url, (c) => c.query('CHECKPOINT'));
}

/** The server's WAL insert position, in bytes: the difference over a phase is the WAL it wrote (server-wide). */
export async function walPosition(url: string): Promise<number> {
  return withClient(url, async (c) => Number((await c.query(`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0') AS b`)).rows[0].b));
}

export const BASELINE_TABLE = 'contacts_copy_baseline';

/**
 * The baseline: `psql \copy` of the CSV into a table shaped like `contacts` (same columns, defaults,
 * primary key, unique (workspace_id, email) and (workspace_id, created_at) indexes, logged), except
 * that `tags` is text, because \copy cannot turn "vip,beta" into an array. So it measures: reading
 * and sending the file, PostgreSQL's CSV parsing, heap inserts, WAL and the three index insertions.
 * It does no validation, no trimming or lower-casing, no tag splitting, no duplicate detection and
 * no progress. Timed by the wall clock around the psql process (its connection setup included).
 */
export async function copyBaseline(
  url: string,
  csvPath: string,
  workspaceId: string,
  timed: <T>(run: () => Promise<T>) => Promise<T> = (run) => run(),
): Promise<{ seconds: number; rows: number; walMb: number }> {
  await withClient(url, async (c) => {
    await c.query(`DROP TABLE IF EXISTS ${BASELINE_TABLE}`);
    await c.query(`CREATE TABLE ${BASELINE_TABLE} (LIKE contacts INCLUDING ALL)`);
    await c.query(`ALTER TABLE ${BASELINE_TABLE} ALTER COLUMN tags DROP DEFAULT, ALTER COLUMN tags TYPE text USING NULL,
                   ALTER COLUMN workspace_id SET DEFAULT '${workspaceId}'::uuid`);
  });
  await checkpoint(url);
  const wal0 = await walPosition(url);
  const seconds = await timed(async () => {
    const started = performance.now();
    await runPsql(url, `\\copy ${BASELINE_TABLE} (email, first_name, last_name, phone, company, tags) FROM '${csvPath}' WITH (FORMAT csv, HEADER true)`);
    return (performance.now() - started) / 1000;
  });
  const walMb = ((await walPosition(url)) - wal0) / 1e6;
  const rows = await withClient(url, async (c) => (await c.query(`SELECT count(*)::int AS n FROM ${BASELINE_TABLE}`)).rows[0].n as number);
  return { seconds, rows, walMb };
}

export function runPsql(url: string, command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('psql', [url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', command], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.once('error', (e) => reject(new Error(`could not run psql (is it installed?): ${e.message}`)));
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`psql exited with ${code}: ${err.trim()}`))));
  });
}
