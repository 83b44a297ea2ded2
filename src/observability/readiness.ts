import type pg from 'pg';
import { migrationNames } from '../db/migrate.ts';
import type { ProgressBus } from '../jobs/progressBus.ts';

/** A dependency check that has not answered by then counts as failed: a probe must answer quickly. */
const CHECK_TIMEOUT_MS = 2000;

export interface Readiness {
  ready: boolean;
  /** Each dependency: 'ok', or what is wrong. redis is absent when no REDIS_URL is configured. */
  checks: { database: string; migrations: string; redis?: string };
}

/**
 * Ready = PostgreSQL answers, every migration this version ships is applied, and Redis answers when
 * one is configured. Used by GET /readyz on the API and on a worker's metrics port; never throws.
 */
export async function checkReadiness(deps: { pool: pg.Pool; bus: ProgressBus; redisConfigured: boolean }): Promise<Readiness> {
  const [database, redis] = await Promise.all([
    withTimeout(missingMigrations(deps.pool)).then(
      (missing) => ({ ok: true, missing }),
      (err: Error) => ({ ok: false, missing: [] as string[], reason: err.message }),
    ),
    deps.redisConfigured ? withTimeout(deps.bus.isReachable()).catch(() => false) : Promise.resolve(undefined),
  ]);
  const checks: Readiness['checks'] = {
    database: database.ok ? 'ok' : `unreachable: ${'reason' in database ? database.reason : ''}`,
    migrations: !database.ok ? 'unknown' : database.missing.length === 0 ? 'ok' : `not applied: ${database.missing.join(', ')}`,
    ...(redis === undefined ? {} : { redis: redis ? 'ok' : 'unreachable' }),
  };
  return { ready: Object.values(checks).every((c) => c === 'ok'), checks };
}

/** True when PostgreSQL answers within the probe's time limit (the bulkport_postgres_up gauge). */
export async function databaseReachable(pool: pg.Pool): Promise<boolean> {
  return withTimeout(pool.query('SELECT 1')).then(
    () => true,
    () => false,
  );
}

/** Migrations shipped in prisma/migrations that _prisma_migrations does not record as applied. */
async function missingMigrations(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ name: string }>(
    `SELECT migration_name AS name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
  );
  const applied = new Set(rows.map((r) => r.name));
  return (await migrationNames()).filter((name) => !applied.has(name));
}

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
