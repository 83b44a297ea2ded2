/**
 * What the undo ledger costs an import's merges: the real merge statements (src/imports/mergeSql.ts)
 * run over the same staged chunks with the ledger and without it, side by side in one run, on a
 * fresh database. Inserts (the plain INSERT fast path, ledger rows 'I') and UPDATE merges (ledger
 * rows 'U' with the before-image of every changed row) and an UPDATE import of the same file again
 * (nothing changes: the before-images are looked up, none is written) are measured separately; each pair of runs
 * alternates which goes first and the median of RUNS pairs is printed.
 *
 *   npx tsx bench/ledger.ts [rows=200000]          (npm run bench:ledger)
 *
 * Environment: DATABASE_URL admin connection (default postgresql://postgres@127.0.0.1:5432/postgres),
 * CHUNK_SIZE (default 10000, as the service), RUNS (default 3).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { migrate } from '../src/db/migrate.ts';
import { createPool } from '../src/db/pool.ts';
import { entityByName } from '../src/entities/registry.ts';
import { createLedger, ledgerTable } from '../src/imports/importLedger.ts';
import { mergeSql, plainInsertSql } from '../src/imports/mergeSql.ts';
import { createStagingTables, type StagingTables } from '../src/imports/stagingTables.ts';
import { assertLoopback, createBenchDatabase, ADMIN_URL } from './benchDatabase.ts';

const ROWS = Number(process.argv[2] ?? 200_000);
const CHUNK = Number(process.env.CHUNK_SIZE ?? 10_000);
const RUNS = Number(process.env.RUNS ?? 3);
const entity = entityByName('CONTACTS');
const allColumns = entity.columns.map((c) => c.name);
const COLS = entity.columns.map((c) => `"${c.name}"`).join(', ');

/** Stages ROWS contacts whose company is `company`, as the stage task leaves them (ok, not deferred). */
async function stage(pool: pg.Pool, company: string): Promise<{ jobId: string; t: StagingTables }> {
  const jobId = randomUUID();
  const t = await createStagingTables(pool, jobId, entity);
  await pool.query(
    `INSERT INTO ${t.rows} (row_no, ok, deferred, ${COLS})
     SELECT n, true, false, 'bench' || n || '@example.com', 'First' || n, 'Last' || n, '+1 555 ' || lpad(n::text, 7, '0'), $2, ARRAY['bench']
     FROM generate_series(1, $1) n`,
    [ROWS, company],
  );
  return { jobId, t };
}

/** Runs one statement per chunk, each in its own transaction as the merge task does; returns ms. */
async function mergeAll(pool: pg.Pool, sqlFor: (ledger: string | null) => string, jobId: string, workspaceId: string, ledger: boolean): Promise<number> {
  if (ledger) await createLedger(pool, jobId);
  const sql = sqlFor(ledger ? ledgerTable(jobId) : null);
  const started = process.hrtime.bigint();
  for (let from = 1; from <= ROWS; from += CHUNK) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(sql, [jobId, from, Math.min(ROWS, from + CHUNK - 1), workspaceId]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  }
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function workspace(pool: pg.Pool): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(`INSERT INTO workspaces (id, name) VALUES (gen_random_uuid(), $1) RETURNING id`, [`bench-${randomUUID()}`]);
  return rows[0].id;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  assertLoopback(ADMIN_URL, 'DATABASE_URL');
  const db = await createBenchDatabase();
  const pool = createPool(db.url, 2);
  try {
    await migrate(pool);
    const fresh = await stage(pool, 'Before');
    const changed = await stage(pool, 'After');
    const results = {
      insert: { off: [] as number[], on: [] as number[] },
      update: { off: [] as number[], on: [] as number[] },
      'same file again': { off: [] as number[], on: [] as number[] },
    };
    for (let run = 0; run < RUNS; run++) {
      for (const ledger of run % 2 === 0 ? [false, true] : [true, false]) {
        // Inserts into an empty workspace: the plain INSERT fast path, as a first import takes it.
        const ws = await workspace(pool);
        const updateSql = (l: string | null) => mergeSql(entity, changed.t, 'UPDATE', allColumns, false, l);
        const insertMs = await mergeAll(pool, (l) => plainInsertSql(entity, fresh.t, false, l), randomUUID(), ws, ledger);
        // Then every row updated (company changes): ON CONFLICT DO UPDATE, before-images in the ledger.
        const updateMs = await mergeAll(pool, updateSql, randomUUID(), ws, ledger);
        // The same file once more: nothing differs, nothing is written, the ledger gets no row.
        const againMs = await mergeAll(pool, updateSql, randomUUID(), ws, ledger);
        results.insert[ledger ? 'on' : 'off'].push(insertMs);
        results.update[ledger ? 'on' : 'off'].push(updateMs);
        results['same file again'][ledger ? 'on' : 'off'].push(againMs);
        await pool.query('DELETE FROM contacts WHERE workspace_id = $1', [ws]);
        await pool.query('VACUUM contacts');
      }
    }
    console.log(`undo ledger cost: ${ROWS.toLocaleString('en')} contacts, chunks of ${CHUNK.toLocaleString('en')}, median of ${RUNS} runs each`);
    for (const [what, r] of Object.entries(results)) {
      const off = median(r.off);
      const on = median(r.on);
      console.log(
        `  ${what.padEnd(15)} without ledger ${(off / 1000).toFixed(2)} s (${Math.round(ROWS / (off / 1000)).toLocaleString('en')} rows/s)` +
          `  with ledger ${(on / 1000).toFixed(2)} s  → +${(((on - off) / off) * 100).toFixed(1)}% merge time`,
      );
    }
  } finally {
    await pool.end();
    await db.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
