import pg from 'pg';

const LOCK_KEY = 740_432;

export interface ImportGate {
  /** From now on, an import's counters stop just before `processedRows` would pass `atRow`, until open(). */
  close(atRow: number): Promise<void>;
  /** Resolves once an import is waiting at the gate (bounded: throws after timeoutMs). */
  waitForImport(timeoutMs?: number): Promise<void>;
  open(): Promise<void>;
  /** Opens the gate, drops the trigger and closes the connection. */
  remove(): Promise<void>;
}

/**
 * A pause point for imports, built in the test's own database (like exportGate): a trigger makes
 * the UPDATE that would take an import's processed_rows past a row count wait for an advisory lock
 * this gate holds. The job then stays RUNNING with the rows merged so far, so a test can look at a
 * progress bar that is neither at 0 nor at 100, without depending on how fast the machine is.
 */
export async function installImportGate(databaseUrl: string): Promise<ImportGate> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  let closed = false;
  const gate: ImportGate = {
    async close(atRow) {
      await client.query(`
        CREATE OR REPLACE FUNCTION test_import_gate() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.kind = 'IMPORT' AND OLD.processed_rows <= ${Number(atRow)} AND NEW.processed_rows > ${Number(atRow)} THEN
            PERFORM pg_advisory_xact_lock(${LOCK_KEY});
          END IF;
          RETURN NEW;
        END $$;
        DROP TRIGGER IF EXISTS test_import_gate ON jobs;
        CREATE TRIGGER test_import_gate BEFORE UPDATE ON jobs FOR EACH ROW EXECUTE FUNCTION test_import_gate();`);
      await client.query(`SELECT pg_advisory_lock(${LOCK_KEY})`);
      closed = true;
    },
    async waitForImport(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { rows } = await client.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = ${LOCK_KEY} AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        );
        if (rows[0].n > 0) return;
        if (Date.now() > deadline) throw new Error(`no import reached the gate within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async open() {
      if (closed) await client.query(`SELECT pg_advisory_unlock(${LOCK_KEY})`);
      closed = false;
    },
    async remove() {
      await gate.open();
      await client.query(`DROP TRIGGER IF EXISTS test_import_gate ON jobs; DROP FUNCTION IF EXISTS test_import_gate()`);
      await client.end();
    },
  };
  return gate;
}
