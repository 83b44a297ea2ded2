import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLedger, expandLedger, ledgerTable } from '../../src/imports/importLedger.ts';
import { createTestDatabase } from '../helpers/testDatabase.ts';

// A revert reads the ledger row by row: expandLedger must turn each compact 'R' entry back into
// exactly the 'I' entries it stands for, in both forms it has been written in.
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let client: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase();
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});
afterAll(async () => {
  await client?.end();
  await db?.drop();
});

async function expanded(jobId: string, entries: Array<{ firstId: number; rows: unknown }>): Promise<Array<[number, number, string]>> {
  await createLedger(client, jobId);
  const ledger = ledgerTable(jobId);
  await client.query(`INSERT INTO ${ledger} (row_no, entity_id, action, written_at) VALUES (1, 500, 'I', now())`);
  for (const e of entries) {
    await client.query(`INSERT INTO ${ledger} (row_no, entity_id, action, written_at, before) VALUES (0, $1, 'R', now(), $2)`, [
      e.firstId,
      JSON.stringify(e.rows),
    ]);
  }
  await expandLedger(client, jobId);
  await expandLedger(client, jobId); // a second run finds nothing left to expand
  const r = await client.query<{ row_no: number; entity_id: string; action: string }>(`SELECT row_no, entity_id, action FROM ${ledger} ORDER BY entity_id`);
  return r.rows.map((x) => [x.row_no, Number(x.entity_id), x.action]);
}

describe('expanding the ledger for a revert', () => {
  it('should give one entry per row of each run of consecutive file rows, ids in row order', async () => {
    const rows = await expanded('00000000-0000-4000-8000-000000000001', [
      {
        firstId: 10,
        rows: [
          [2, 4],
          [7, 7],
          [9, 10],
        ],
      },
      { firstId: 100, rows: [[11, 12]] },
    ]);
    expect(rows).toEqual([
      [2, 10, 'I'],
      [3, 11, 'I'],
      [4, 12, 'I'],
      [7, 13, 'I'],
      [9, 14, 'I'],
      [10, 15, 'I'],
      [11, 100, 'I'],
      [12, 101, 'I'],
      [1, 500, 'I'],
    ]);
  });

  it('should still read entries written as single rows (by the release before runs)', async () => {
    const rows = await expanded('00000000-0000-4000-8000-000000000002', [{ firstId: 20, rows: [5, 6, 8] }]);
    expect(rows).toEqual([
      [5, 20, 'I'],
      [6, 21, 'I'],
      [8, 22, 'I'],
      [1, 500, 'I'],
    ]);
  });
});
