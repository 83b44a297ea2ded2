import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { migrate } from '../../src/db/migrate.ts';
import { createPool } from '../../src/db/pool.ts';

/** Where tests find PostgreSQL: DATABASE_URL's server, or the local one. */
export const ADMIN_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export function urlFor(database: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${database}`;
  return u.toString();
}

/** The template's name changes whenever a migration changes, so a stale template is never cloned. */
export function templateName(): string {
  const dir = path.resolve('prisma/migrations');
  const h = createHash('sha256');
  for (const name of fs.readdirSync(dir).sort()) {
    const file = path.join(dir, name, 'migration.sql');
    if (fs.existsSync(file)) h.update(name).update(fs.readFileSync(file));
  }
  return `bulkport_tpl_${h.digest('hex').slice(0, 12)}`;
}

export async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Test databases carry their creation time, so a run removes only what other runs left long ago. */
const STAMP = 'bulkport test database created at ';
const STALE_AFTER_MS = 6 * 3600_000;

async function stamp(c: pg.Client, database: string): Promise<void> {
  await c.query(`COMMENT ON DATABASE ${database} IS '${STAMP}${Date.now()}'`);
}

/**
 * Removes test databases and templates of interrupted runs: only those nobody is connected to and
 * created more than STALE_AFTER_MS ago (several runs, from several checkouts, may share the server).
 */
export async function dropStaleTestDatabases(): Promise<void> {
  await withAdmin(async (c) => {
    const { rows } = await c.query<{ datname: string; comment: string | null }>(
      `SELECT datname, shobj_description(oid, 'pg_database') AS comment FROM pg_database d
       WHERE (datname LIKE 'bulkport_t\\_%' OR datname LIKE 'bulkport_tpl\\_%')
         AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)`,
    );
    for (const { datname, comment } of rows) {
      const created = comment?.startsWith(STAMP) ? Number(comment.slice(STAMP.length)) : 0;
      if (Date.now() - created > STALE_AFTER_MS) await c.query(`DROP DATABASE IF EXISTS ${datname}`).catch(() => undefined);
    }
  });
}

/** Creates and migrates the template for the current migrations, unless it exists. */
export async function buildTemplate(): Promise<void> {
  const template = templateName();
  await withAdmin(async (c) => {
    const exists = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
    if (exists.rowCount === 0) {
      await c.query(`CREATE DATABASE ${template}`).catch((e: { code?: string }) => {
        if (e.code !== '42P04' && e.code !== '23505') throw e; // a parallel run created it first
      });
    }
    await stamp(c, template);
  });
  const pool = createPool(urlFor(template), 2);
  try {
    await migrate(pool);
  } finally {
    await pool.end();
  }
}

/** A fresh database cloned from the migrated template: each test file gets its own clean data. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `bulkport_t_${randomBytes(6).toString('hex')}`;
  const clone = () =>
    withAdmin(async (c) => {
      await c.query(`CREATE DATABASE ${name} TEMPLATE ${templateName()}`);
      await stamp(c, name);
    });
  for (let attempt = 1; ; attempt++) {
    try {
      await clone();
      break;
    } catch (err) {
      const code = (err as { code?: string }).code;
      // 3D000: another checkout's run removed the template; 55006: someone is (re)building it right now.
      if (attempt >= 10 || (code !== '3D000' && code !== '55006')) throw err;
      if (code === '3D000') await buildTemplate();
      else await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
  return {
    url: urlFor(name),
    drop: () => withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** Runs fn with a client connected to one test file's database (t.databaseUrl), then closes it. */
export async function withDatabase<T>(databaseUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
