import pg from 'pg';

// PostgreSQL returns bigint (int8) as a string by default; our int8 values (byte counts) fit in a double.
pg.types.setTypeParser(20, (v) => Number(v));

/**
 * One pg Pool per process, shared by Prisma (through its pg adapter), graphile-worker and the raw-SQL hot paths.
 * An idle client that loses its connection emits 'error' on the pool: it MUST be handled or Node exits.
 */
export function createPool(connectionString: string, max: number, applicationName = 'bulkport'): pg.Pool {
  // application_name names this process's sessions: the reaper ends a dead worker's (reapDeadPools.ts).
  const pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis: 10_000, application_name: applicationName });
  pool.on('error', (err) => console.warn(`[db] idle client error: ${err.message}`));
  pool.on('connect', (client) => {
    client.on('error', (err) => console.warn(`[db] client error: ${err.message}`));
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
