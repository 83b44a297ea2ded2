import type pg from 'pg';
import { loadConfig, type Config } from '../config.ts';
import { startEmbeddedPostgres } from '../db/embeddedPostgres.ts';
import { migrate } from '../db/migrate.ts';
import { createPool } from '../db/pool.ts';
import { createPrisma, type Db } from '../db/prisma.ts';

/**
 * Runs an operator command against the service's own database (DATABASE_URL, or the embedded
 * PostgreSQL `npm start` uses), migrated first so a fresh install works. Admin commands only:
 * the partner commands (import, export) speak to the public API and never come here.
 */
export async function withAdminDatabase<T>(fn: (db: Db, raw: { pool: pg.Pool; config: Config }) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.dataDir, config.embeddedPgPort);
  const pool = createPool(config.databaseUrl ?? embedded!.url, 2);
  try {
    await migrate(pool);
    const prisma = createPrisma(pool);
    try {
      return await fn(prisma, { pool, config });
    } finally {
      await prisma.$disconnect();
    }
  } finally {
    await pool.end();
    await embedded?.stop();
  }
}
