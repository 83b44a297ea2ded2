import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCsv, contactRow, CONTACTS_HEADER } from '../helpers/buildCsv.ts';
import { faultyContactsCsv, importOutcome, type ImportOutcome } from '../helpers/faultImport.ts';
import { fetchJob, importAndWait, uploadImport, waitForJob } from '../helpers/graphqlClient.ts';
import { installImportGate } from '../helpers/importGate.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';
import { withDatabase } from '../helpers/testDatabase.ts';
import { expandLedger } from '../../src/imports/importLedger.ts';

// A fresh import's chunks go straight into the entity's table (DIRECT_CHUNKS, the default); with
// DIRECT_CHUNKS=false every chunk is staged and merged. Both paths must end exactly alike: counts,
// every row error (bad rows, and in-file duplicates 1,500 rows apart, which the key filter defers
// and which are settled against rows the direct path wrote), and every stored row.
const ROWS = 6_000;
const csv = faultyContactsCsv(ROWS);
let direct: TestApp;
let merged: TestApp;

beforeAll(async () => {
  [direct, merged] = await Promise.all([startTestApp({ chunkSize: 500 }), startTestApp({ chunkSize: 500, directChunks: false })]);
});
afterAll(() => Promise.all([direct?.stop(), merged?.stop()]));

/** Import tasks of chunks other than the deferred one that were ever seen queued or running, sampled while the job runs. */
async function watchMergeTasks(t: TestApp, jobId: string, ended: Promise<unknown>): Promise<number> {
  const db = new pg.Client({ connectionString: t.databaseUrl });
  await db.connect();
  let done = false;
  void ended.finally(() => (done = true));
  const seen = new Set<string>();
  try {
    while (!done) {
      const r = await db.query<{ chunk: string }>(
        `SELECT p.payload->>'chunk' AS chunk FROM graphile_worker._private_jobs p JOIN graphile_worker._private_tasks k ON k.id = p.task_id
         WHERE k.identifier = 'import_merge' AND p.payload->>'jobId' = $1 AND NOT (p.payload->>'deferred')::boolean`,
        [jobId],
      );
      for (const row of r.rows) seen.add(row.chunk);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    await db.end();
  }
  return seen.size;
}

async function importInto(
  t: TestApp,
  workspace: string,
  file: string,
  input: Record<string, unknown> = {},
): Promise<{ outcome: ImportOutcome; merges: number }> {
  const token = await t.token(workspace);
  const r = await uploadImport(t.url, token, file, input);
  expect(r.errors).toBeUndefined();
  const id: string = r.data.startImport.id;
  const ended = waitForJob(t.url, token, id, undefined, 120_000);
  ended.catch(() => undefined); // awaited below; a failed watch must not leave it unhandled
  const merges = await watchMergeTasks(t, id, ended);
  expect((await ended).status).toBe('COMPLETED');
  return { outcome: await importOutcome(t.databaseUrl, id), merges };
}

/**
 * The ledger of an import as a revert reads it (compact entries expanded), against what the import
 * inserted: every contact it wrote (import_job_id) must have exactly one 'I' entry naming its id and
 * its file row, and no entry may name another row. `compact`: the entries written compactly.
 */
async function ledgerMismatches(t: TestApp, jobId: string): Promise<{ entries: number; wrong: number; compact: number }> {
  return withDatabase(t.databaseUrl, async (c) => {
    const ledger = `bulkport_ledger."j_${jobId.replace(/-/g, '')}"`;
    const compact = (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${ledger} WHERE action = 'R'`)).rows[0].n;
    await expandLedger(c, jobId);
    const r = await c.query<{ entries: number; wrong: number }>(
      `SELECT (SELECT count(*)::int FROM ${ledger}) AS entries,
              (SELECT count(*)::int FROM ${ledger} l FULL JOIN (SELECT id, import_row FROM contacts WHERE import_job_id = $1) k
                 ON k.id = l.entity_id AND k.import_row = l.row_no AND l.action = 'I'
               WHERE k.id IS NULL OR l.entity_id IS NULL) AS wrong`,
      [jobId],
    );
    return { ...r.rows[0], compact };
  });
}

describe('chunks merged straight from the stage task', () => {
  it('should end a fresh import exactly as staged merges do, bad rows and far-apart duplicates included, without queueing a merge per chunk', async () => {
    const [a, b] = await Promise.all([importInto(direct, 'fresh', csv), importInto(merged, 'fresh', csv)]);
    expect(a.outcome).toEqual(b.outcome);
    expect(a.outcome.errors.some((e) => e.endsWith('|DUPLICATE_IN_FILE'))).toBe(true);
    expect(a.outcome.errors.some((e) => e.endsWith('|INVALID_EMAIL'))).toBe(true);
    expect(a.merges).toBe(0);
    expect(b.merges).toBeGreaterThan(0);
  }, 180_000);

  it('should keep an exact ledger of what each import inserted, also while fresh imports into other workspaces insert at the same moment', async () => {
    // A chunk's ledger is one compact entry when its rows got consecutive ids (no other insert took
    // one meanwhile), an entry per row otherwise (directChunk.ts): three imports at once give both.
    const token = (w: string) => direct.token(w);
    const files = ['ledger-a', 'ledger-b', 'ledger-c'];
    const jobs = await Promise.all(
      files.map(async (w) => {
        const r = await uploadImport(direct.url, await token(w), csv);
        return { w, id: r.data.startImport.id as string };
      }),
    );
    let compact = 0;
    for (const { w, id } of jobs) {
      const job = await waitForJob(direct.url, await token(w), id, undefined, 120_000);
      expect(job.status).toBe('COMPLETED');
      const ledger = await ledgerMismatches(direct, id);
      expect(ledger, w).toMatchObject({ entries: job.insertedRows, wrong: 0 });
      expect(ledger.entries).toBeGreaterThan(5_000);
      compact += ledger.compact;
    }
    expect(compact).toBeGreaterThan(0);
  }, 180_000);

  it('should store every kind of value exactly as staged merges do: escapes, quotes, line breaks, NULLs, empty tags, non-ASCII', async () => {
    // A direct chunk goes to PostgreSQL as binary COPY, a staged one as COPY text (directFormat.ts):
    // the stored values must be the same, byte for byte. The 'refused' workspace already holds row 2's
    // key, so its only chunk is refused, turned from binary into staging lines, and merged.
    const tricky = [
      ['ann@example.com', 'Tab\there', 'Back\\slash', '', '', ''],
      ['bob@example.com', 'Line\nbreak', 'Quote " mark', '+1 (555) 0100', 'Carriage\rreturn Ltd', 'vip, be"ta , x\\y,,'],
      ['zoe@example.com', 'Zoë 😀', 'Ñandú', '٣٤٥', '株式会社', 'ü'],
      ['long@example.com', 'x'.repeat(100), 'L', '1', 'C', Array.from({ length: 40 }, (_, i) => `t${i}`).join(',')],
    ];
    const file = buildCsv([CONTACTS_HEADER, ...tricky]);
    const stored = (t: TestApp, workspace: string) =>
      withDatabase(t.databaseUrl, async (c) => {
        const r = await c.query(
          `SELECT email, first_name, last_name, phone, company, tags FROM contacts c JOIN workspaces w ON w.id = c.workspace_id
           WHERE w.name = $1 ORDER BY email`,
          [workspace],
        );
        return r.rows;
      });
    expect(
      await importAndWait(direct.url, await direct.token('refused'), buildCsv([CONTACTS_HEADER, ['bob@example.com', 'Old', '', '', '', '']])),
    ).toMatchObject({
      status: 'COMPLETED',
    });
    const [a, b, c] = await Promise.all([
      importInto(direct, 'values', file),
      importInto(merged, 'values', file),
      importInto(direct, 'refused', file, { duplicateStrategy: 'UPDATE' }),
    ]);
    expect(a.outcome).toEqual(b.outcome);
    expect(a.merges).toBe(0); // went in directly, as binary COPY: a refused COPY would have queued a merge
    expect(c.merges).toBe(1);
    expect(a.outcome.counts).toMatchObject({ inserted_rows: 4, failed_rows: 0 });
    expect(c.outcome.counts).toMatchObject({ inserted_rows: 3, updated_rows: 1, failed_rows: 0 });
    const rows = await stored(direct, 'values');
    expect(rows).toEqual(await stored(merged, 'values'));
    expect(rows).toEqual(await stored(direct, 'refused'));
    expect(rows.slice(0, 2)).toEqual([
      { email: 'ann@example.com', first_name: 'Tab\there', last_name: 'Back\\slash', phone: null, company: null, tags: [] },
      {
        email: 'bob@example.com',
        first_name: 'Line\nbreak',
        last_name: 'Quote " mark',
        phone: '+1 (555) 0100',
        company: 'Carriage\rreturn Ltd',
        tags: ['vip', 'be"ta', 'x\\y'],
      },
    ]);
    expect(rows[3]).toMatchObject({ first_name: 'Zoë 😀', last_name: 'Ñandú', phone: '٣٤٥', company: '株式会社', tags: ['ü'] });
    expect(rows[1].tags).toHaveLength(3);
    expect(rows[0].tags).toEqual([]);
  }, 180_000);

  it('should move the percent with every chunk written, before the whole file has been read', async () => {
    const gate = await installImportGate(direct.databaseUrl);
    try {
      await gate.close(ROWS / 2);
      const token = await direct.token('percent');
      const r = await uploadImport(direct.url, token, csv);
      const id: string = r.data.startImport.id;
      await gate.waitForImport();
      const held = await fetchJob(direct.url, token, id);
      expect(held.status).toBe('RUNNING');
      expect(held.processedRows).toBeGreaterThan(0);
      expect(held.processedRows).toBeLessThanOrEqual(ROWS / 2);
      expect(held.percent).toBeGreaterThan(0);
      expect(held.percent).toBeLessThan(100);
      await gate.open();
      expect(await waitForJob(direct.url, token, id)).toMatchObject({ status: 'COMPLETED', percent: 100 });
    } finally {
      await gate.remove();
    }
  });

  it('should switch to merging at the first chunk that meets an existing key, and end exactly as staged merges do', async () => {
    // Row 3,000 of the file already exists (other values): chunks before it go straight in, the rest merge.
    const existing = buildCsv([CONTACTS_HEADER, [contactRow(3000, 'fault')[0], 'Earlier', 'Value', '', '', '']]);
    for (const t of [direct, merged]) {
      expect(await importAndWait(t.url, await t.token('switch'), existing)).toMatchObject({ status: 'COMPLETED', insertedRows: 1 });
    }
    const [a, b] = await Promise.all([
      importInto(direct, 'switch', csv, { duplicateStrategy: 'UPDATE' }),
      importInto(merged, 'switch', csv, { duplicateStrategy: 'UPDATE' }),
    ]);
    expect(a.outcome).toEqual(b.outcome);
    expect(a.outcome.counts).toMatchObject({ updated_rows: 1 });
    expect(a.merges).toBeGreaterThan(0);
  }, 180_000);
});
