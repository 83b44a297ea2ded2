import pg from 'pg';

export interface WaitingStatement {
  /** The waiting connection's application_name ('bulkport-api' for the API's pool). */
  applicationName: string;
  query: string;
  /** How long the statement has been running (waiting), in ms. */
  waitedMs: number;
}

export interface TableLock {
  /** The statements waiting for this lock right now. */
  waiting(): Promise<WaitingStatement[]>;
  /** Ends the holding transaction (the waiting statements go on) and closes both connections. */
  release(): Promise<void>;
}

/**
 * Holds an ACCESS EXCLUSIVE lock on a table of the test's database from a connection of the test's
 * own: every statement that touches the table waits until release(), as behind a long migration.
 */
export async function lockTable(databaseUrl: string, table: string): Promise<TableLock> {
  const holder = new pg.Client({ connectionString: databaseUrl });
  // A second connection to watch: pg_stat_activity is a snapshot taken once per transaction.
  const monitor = new pg.Client({ connectionString: databaseUrl });
  await holder.connect();
  await monitor.connect();
  await holder.query('BEGIN');
  await holder.query(`LOCK TABLE ${pg.escapeIdentifier(table)} IN ACCESS EXCLUSIVE MODE`);
  const { rows } = await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  let released = false;
  return {
    async waiting() {
      const r = await monitor.query<WaitingStatement>(
        `SELECT application_name AS "applicationName", query,
                (extract(epoch FROM clock_timestamp() - query_start) * 1000)::int AS "waitedMs"
         FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))`,
        [rows[0].pid],
      );
      return r.rows;
    },
    async release() {
      if (released) return;
      released = true;
      await holder.query('ROLLBACK').finally(() => Promise.all([holder.end(), monitor.end()]));
    },
  };
}
