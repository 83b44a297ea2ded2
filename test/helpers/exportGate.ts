import pg from 'pg';

const LOCK_KEY = 740_431;

export interface ExportGate {
  /** From now on, an export that publishes its totalRows waits until open(). */
  close(): Promise<void>;
  /** Resolves once an export is waiting at the gate (bounded: throws after timeoutMs). */
  waitForExport(timeoutMs?: number): Promise<void>;
  open(): Promise<void>;
  /** Opens the gate, drops the trigger and closes the connection. */
  remove(): Promise<void>;
}

/**
 * A pause point for exports, built in the test's own database: a trigger makes the UPDATE that
 * first sets an export job's total_rows wait for an advisory lock this gate holds. An export
 * knows its totalRows only once it has counted the rows of its snapshot, and before it writes the
 * first of them, so a gated export has taken its snapshot and read nothing from it yet: whatever
 * commits meanwhile is, for that export, in the future.
 */
export async function installExportGate(databaseUrl: string): Promise<ExportGate> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(`
    CREATE OR REPLACE FUNCTION test_export_gate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.kind = 'EXPORT' AND OLD.total_rows IS NULL AND NEW.total_rows IS NOT NULL THEN
        PERFORM pg_advisory_xact_lock(${LOCK_KEY});
      END IF;
      RETURN NEW;
    END $$;
    DROP TRIGGER IF EXISTS test_export_gate ON jobs;
    CREATE TRIGGER test_export_gate BEFORE UPDATE ON jobs FOR EACH ROW EXECUTE FUNCTION test_export_gate();`);
  let closed = false;
  const gate: ExportGate = {
    async close() {
      await client.query(`SELECT pg_advisory_lock(${LOCK_KEY})`);
      closed = true;
    },
    async waitForExport(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { rows } = await client.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = ${LOCK_KEY} AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        );
        if (rows[0].n > 0) return;
        if (Date.now() > deadline) throw new Error(`no export reached the gate within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async open() {
      if (closed) await client.query(`SELECT pg_advisory_unlock(${LOCK_KEY})`);
      closed = false;
    },
    async remove() {
      await gate.open();
      await client.query(`DROP TRIGGER IF EXISTS test_export_gate ON jobs; DROP FUNCTION IF EXISTS test_export_gate()`);
      await client.end();
    },
  };
  return gate;
}
