import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportAndDownload, parseCsv } from '../helpers/exportClient.ts';
import { allRowErrors, importAndWait } from '../helpers/graphqlClient.ts';
import { tableContent } from '../helpers/seedTables.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

/** Values a spreadsheet user really types: formula characters, quotes, commas, line breaks, non-ASCII. */
const CONTACTS_CSV =
  [
    'email,first_name,last_name,phone,company,tags',
    'a@roundtrip.example,=cmd(),"Lee, Jr",+1 555 0100,"Quote ""Q"" Inc","vip, beta"',
    'b@roundtrip.example,Zoë,東京,-42,"multi\nline",🎉',
    'c@roundtrip.example,@handle,,,"Comma, Inc",',
    'D@RoundTrip.example,Back\\slash,O\'Brien,,,"a b,c"',
    ...Array.from({ length: 40 }, (_, i) => `bulk${i}@roundtrip.example,First${i},Last${i},,Company ${i},${i % 3 ? 'x' : ''}`),
  ].join('\n') + '\n';

const INVOICES_CSV =
  [
    'number,customer_email,customer_name,amount,currency,issued_at,status',
    'INV-1,ap@globex.example,"Globex, ""GmbH""","1,234.50",eur,2024-02-29,PAID',
    '=INV-2,,=SUM(A1),0.5,,,',
    'INV-3,zoë@example.com,東京 🎉,100,JPY,2023-12-31,void',
    '-INV-4,,"multi\nline",12.34,usd,2024-01-01,Draft',
    ...Array.from(
      { length: 40 },
      (_, i) => `B-${i},b${i}@example.com,Customer ${i},${i}.${String(i % 100).padStart(2, '0')},EUR,2024-03-${String((i % 28) + 1).padStart(2, '0')},open`,
    ),
  ].join('\n') + '\n';

/**
 * Round trip: an export (rawCells, since the formula protection changes cells on purpose) imports
 * back with duplicateStrategy UPDATE with zero errors and no change to any row.
 */
describe('export then re-import', () => {
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    t = await startTestApp();
    token = await t.token('roundtrip');
  });
  afterAll(() => t?.stop());

  for (const [entity, table, csv, rows] of [
    ['CONTACTS', 'contacts', CONTACTS_CSV, 44],
    ['INVOICES', 'invoices', INVOICES_CSV, 44],
  ] as const) {
    it(`should re-import an exported ${entity.toLowerCase()} file with UPDATE without a single error or changed row`, async () => {
      const seeded = await importAndWait(t.url, token, csv, { entity });
      expect(seeded).toMatchObject({ status: 'COMPLETED', failedRows: 0, insertedRows: rows });
      const before = await tableContent(t.databaseUrl, table, 'roundtrip');
      expect(before).toHaveLength(rows);

      const { job, file } = await exportAndDownload(t.url, token, { entity, rawCells: true });
      expect(job.totalRows).toBe(rows);
      expect(parseCsv(file.body)).toHaveLength(rows + 1);

      const again = await importAndWait(t.url, token, file.body, { entity, duplicateStrategy: 'UPDATE' });
      expect(await allRowErrors(t.url, token, again.id)).toEqual([]);
      expect(again).toMatchObject({ status: 'COMPLETED', totalRows: rows, failedRows: 0, insertedRows: 0, updatedRows: 0, unchangedRows: rows });
      expect(again.ignoredColumns).toEqual([]);
      // Every column of every row, updated_at included, is as it was.
      expect(await tableContent(t.databaseUrl, table, 'roundtrip')).toEqual(before);
    });
  }

  it('should change exactly the formula-like cells when a default (protected) export is re-imported, which is why round trips use rawCells', async () => {
    const { file } = await exportAndDownload(t.url, token, { entity: 'CONTACTS' });
    const again = await importAndWait(t.url, token, file.body, { entity: 'CONTACTS', duplicateStrategy: 'UPDATE' });
    // a (=cmd(), +1 555 0100), b (-42) and c (@handle) gain a leading apostrophe; nothing else changes.
    expect(again).toMatchObject({ status: 'COMPLETED', failedRows: 0, updatedRows: 3, unchangedRows: 41 });
    const rows = await tableContent(t.databaseUrl, 'contacts', 'roundtrip');
    expect(rows.find((r) => r.email === 'a@roundtrip.example')).toMatchObject({ first_name: "'=cmd()", phone: "'+1 555 0100" });
  });
});
