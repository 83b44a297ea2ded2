import pg from 'pg';
import { log } from '../observability/logger.ts';

// PostgreSQL returns bigint (int8) as a string by default; our int8 values (byte counts) fit in a double.
pg.types.setTypeParser(20, (v) => Number(v));

export interface PoolOptions {
  /**
   * PostgreSQL's `statement_timeout` for every connection of the pool, in ms, sent as a startup
   * parameter (no extra round trip): a longer statement is cancelled with SQLSTATE 57014. Unset or 0: none.
   */
  statementTimeoutMs?: number;
  /**
   * `application_name`, shown in pg_stat_activity, so an operator sees whose connection is whose; a
   * worker's names its process, so the reaper can end a dead worker's sessions (reapDeadPools.ts).
   */
  applicationName?: string;
}

/**
 * A pg Pool, shared by Prisma (through its pg adapter), graphile-worker and the raw-SQL hot paths. A process
 * that serves the API has a second one for it, with a statement timeout the worker must not get (src/app.ts).
 * An idle client that loses its connection emits 'error' on the pool: it MUST be handled or Node exits.
 */
export function createPool(connectionString: string, max: number, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    connectionTimeoutMillis: 10_000,
    statement_timeout: options.statementTimeoutMs || undefined,
    application_name: options.applicationName,
  });
  pool.on('error', (err) => log('db').warn(`idle client error: ${err.message}`));
  pool.on('connect', (client) => {
    client.on('error', (err) => log('db').warn(`client error: ${err.message}`));
  });
  return pool;
}

/** Runs fn in a transaction on one client; rolls back on any error and always releases the client. */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/**
 * Runs fn in the caller's transaction when given a client (the caller has opened one), or in a
 * transaction of its own when given the pool: statements that must commit together do, either way.
 */
export async function inTransaction<T>(db: pg.Pool | pg.ClientBase, fn: (client: pg.ClientBase) => Promise<T>): Promise<T> {
  return db instanceof pg.Pool ? withTransaction(db, fn) : fn(db);
}
