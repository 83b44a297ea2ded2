import { migrate } from '../../src/db/migrate.ts';
import { createPool } from '../../src/db/pool.ts';
import { templateName, urlFor, withAdmin } from './testDatabase.ts';

/**
 * Builds the migrated template database once per run (graphile-worker's approach): each test file
 * then clones it in milliseconds.
 */
export default async function setup(): Promise<void> {
  const template = templateName();
  await withAdmin(async (c) => {
    // Leftovers of interrupted runs: only databases nobody is connected to (another run may be going on).
    const stale = await c.query<{ datname: string }>(
      `SELECT datname FROM pg_database d
       WHERE (datname LIKE 'bulkport_t\\_%' OR (datname LIKE 'bulkport_tpl\\_%' AND datname <> $1))
         AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)`,
      [template],
    );
    for (const { datname } of stale.rows) await c.query(`DROP DATABASE IF EXISTS ${datname}`).catch(() => undefined);
    const exists = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
    if (exists.rowCount === 0) await c.query(`CREATE DATABASE ${template}`).catch((e: { code?: string }) => {
      if (e.code !== "42P04") throw e; // a parallel run created it first
    });
  });
  const pool = createPool(urlFor(template), 2);
  try {
    await migrate(pool);
  } finally {
    await pool.end();
  }
}
