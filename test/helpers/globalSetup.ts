import { migrate } from '../../src/db/migrate.ts';
import { createPool } from '../../src/db/pool.ts';
import { templateName, urlFor, withAdmin } from './testDatabase.ts';

/**
 * Builds the migrated template database once per run (graphile-worker's approach): each test file
 * then clones it in milliseconds. Also drops databases left behind by interrupted earlier runs.
 */
export default async function setup(): Promise<void> {
  const template = templateName();
  await withAdmin(async (c) => {
    const stale = await c.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE 'bulkport_t\\_%' OR (datname LIKE 'bulkport_tpl\\_%' AND datname <> $1)`,
      [template],
    );
    for (const { datname } of stale.rows) await c.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    const exists = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
    if (exists.rowCount === 0) await c.query(`CREATE DATABASE ${template}`);
  });
  const pool = createPool(urlFor(template), 2);
  try {
    await migrate(pool);
  } finally {
    await pool.end();
  }
}
