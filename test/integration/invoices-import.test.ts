import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCsv } from '../helpers/buildCsv.ts';
import { allRowErrors, importAndWait } from '../helpers/graphqlClient.ts';
import { expectExactTotals } from '../helpers/jobAssertions.ts';
import { invoicesOf } from '../helpers/seedTables.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

const HEADER = ['number', 'customer_email', 'customer_name', 'amount', 'currency', 'issued_at', 'status'];
const N64 = 'N'.repeat(64);

/** Row n of the file is rows[n - 2] (the header is row 1). */
const ROWS: string[][] = [
  /* 2 */ ['INV-OK-1', 'ok@example.com', 'Good Co', '1,234.50', 'eur', '2024-02-29', 'PAID'],
  /* 3 */ ['', 'x@example.com', 'No Number', '10.00', 'EUR', '2024-01-01', 'open'],
  /* 4 */ ['INV-4', 'x@example.com', '', '10.00', 'EUR', '2024-01-01', 'open'],
  /* 5 */ ['INV-5', 'x@example.com', 'No Amount', '', 'EUR', '2024-01-01', 'open'],
  /* 6 */ ['INV-6', 'not-an-email', 'Bad Email', '10.00', 'EUR', '2024-01-01', 'open'],
  /* 7 */ ['INV-7', '', 'Text Amount', 'ten', 'EUR', '', ''],
  /* 8 */ ['INV-8', '', 'Negative', '-5.00', 'EUR', '', ''],
  /* 9 */ ['INV-9', '', 'Three Decimals', '1.234', 'EUR', '', ''],
  /* 10 */ ['INV-10', '', 'February 30th', '10.00', 'EUR', '2024-02-30', ''],
  /* 11 */ ['INV-11', '', 'Day First', '10.00', 'EUR', '31/01/2024', ''],
  /* 12 */ ['INV-12', '', 'Typo Status', '10.00', 'EUR', '', 'paidd'],
  /* 13 */ ['INV-13', '', 'Bad Currency', '10.00', 'EUX', '', ''],
  /* 14 */ ['N'.repeat(65), '', 'Long Number', '10.00', '', '', ''],
  /* 15 */ ['INV-15', '', 'c'.repeat(201), '10.00', '', '', ''],
  /* 16 */ [N64, '', 'Exactly 64', '0', '', '', ''],
  /* 17 */ ['INV-17', '', 'Four Errors', 'abc', 'XX', '2023-13-01', 'archived'],
  /* 18 */ ['INV-18', 'UPPER@Example.COM', 'Minimal', '7', '', '', ''],
  /* 19 */ ['INV-19', '', 'Spaces', ' 12.5 ', 'Usd', '2024-12-31', 'Void'],
  /* 20 */ ['INV-20', '', 'Millions', '1,234,567.89', 'EUR', '', 'draft'],
  /* 21 */ ['INV-21', '', 'Misplaced Separator', '1,23.00', 'EUR', '', ''],
];

/** Every error the file must produce, in row order: [row, column, code, offending value]. */
const EXPECTED_ERRORS: Array<[number, string, string, string | null]> = [
  [3, 'number', 'REQUIRED', null],
  [4, 'customer_name', 'REQUIRED', null],
  [5, 'amount', 'REQUIRED', null],
  [6, 'customer_email', 'INVALID_EMAIL', 'not-an-email'],
  [7, 'amount', 'INVALID_NUMBER', 'ten'],
  [8, 'amount', 'INVALID_NUMBER', '-5.00'],
  [9, 'amount', 'INVALID_NUMBER', '1.234'],
  [10, 'issued_at', 'INVALID_DATE', '2024-02-30'],
  [11, 'issued_at', 'INVALID_DATE', '31/01/2024'],
  [12, 'status', 'INVALID_ENUM', 'paidd'],
  [13, 'currency', 'INVALID_ENUM', 'EUX'],
  [14, 'number', 'TOO_LONG', 'N'.repeat(65)],
  [15, 'customer_name', 'TOO_LONG', 'c'.repeat(200) + '…'],
  [17, 'amount', 'INVALID_NUMBER', 'abc'],
  [17, 'currency', 'INVALID_ENUM', 'XX'],
  [17, 'issued_at', 'INVALID_DATE', '2023-13-01'],
  [17, 'status', 'INVALID_ENUM', 'archived'],
  [21, 'amount', 'INVALID_NUMBER', '1,23.00'],
];

describe('importing invoices', () => {
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    t = await startTestApp();
    token = await t.token('invoices');
  });
  afterAll(() => t?.stop());

  it('should report every invalid cell with its code, column and value, and import only the valid rows', async () => {
    const job = await importAndWait(t.url, token, buildCsv([HEADER, ...ROWS]), { entity: 'INVOICES' });
    expect(job.status).toBe('COMPLETED');
    expect(job.entity).toBe('INVOICES');
    expectExactTotals(job, ROWS.length);
    const failedRows = new Set(EXPECTED_ERRORS.map(([row]) => row)).size;
    expect(job.failedRows).toBe(failedRows);
    expect(job.insertedRows).toBe(ROWS.length - failedRows);

    const errors = await allRowErrors(t.url, token, job.id);
    const byRowAndColumn = (a: any, b: any) => a.row - b.row || a.column.localeCompare(b.column);
    expect(errors.map(({ row, column, code, value }) => ({ row, column, code, value })).sort(byRowAndColumn)).toEqual(
      EXPECTED_ERRORS.map(([row, column, code, value]) => ({ row, column, code, value })),
    );
    // A message a user can act on names the column at fault or quotes the value.
    for (const e of errors) expect(e.message.includes(e.column) || (e.value !== null && e.message.includes(e.value))).toBe(true);
  });

  it('should store the accepted forms normalised: thousands separators, upper-cased currency, lower-case status, lower-case email', async () => {
    const stored = await invoicesOf(t.databaseUrl, 'invoices');
    expect([...stored.keys()].sort()).toEqual(['INV-18', 'INV-19', 'INV-20', 'INV-OK-1', N64].sort());
    expect(stored.get('INV-OK-1')).toEqual({
      number: 'INV-OK-1',
      customer_email: 'ok@example.com',
      customer_name: 'Good Co',
      amount: '1234.50',
      currency: 'EUR',
      issued_at: '2024-02-29',
      status: 'paid',
    });
    expect(stored.get(N64)).toEqual({
      number: N64,
      customer_email: null,
      customer_name: 'Exactly 64',
      amount: '0.00',
      currency: null,
      issued_at: null,
      status: null,
    });
    expect(stored.get('INV-18')).toMatchObject({ customer_email: 'upper@example.com', amount: '7.00', currency: null, status: null });
    expect(stored.get('INV-19')).toMatchObject({ amount: '12.50', currency: 'USD', issued_at: '2024-12-31', status: 'void' });
    expect(stored.get('INV-20')).toMatchObject({ amount: '1234567.89', status: 'draft' });
  });

  it('should key invoices by number: DUPLICATE_IN_FILE for a repeat, DUPLICATE_EXISTS under FAIL, and an update under UPDATE', async () => {
    const repeat = await importAndWait(t.url, token, buildCsv([HEADER, ['DUP-1', '', 'First', '1', '', '', ''], ['DUP-1', '', 'Second', '2', '', '', '']]), {
      entity: 'INVOICES',
    });
    expect(repeat).toMatchObject({ status: 'COMPLETED', insertedRows: 1, failedRows: 1 });
    expect((await allRowErrors(t.url, token, repeat.id)).map((e) => [e.row, e.column, e.code])).toEqual([[3, 'number', 'DUPLICATE_IN_FILE']]);

    const fail = await importAndWait(t.url, token, buildCsv([HEADER, ['INV-OK-1', '', 'Changed', '1', '', '', '']]), {
      entity: 'INVOICES',
      duplicateStrategy: 'FAIL',
    });
    expect(fail).toMatchObject({ status: 'COMPLETED', insertedRows: 0, failedRows: 1 });
    expect((await allRowErrors(t.url, token, fail.id)).map((e) => [e.row, e.column, e.code])).toEqual([[2, 'number', 'DUPLICATE_EXISTS']]);
    expect((await invoicesOf(t.databaseUrl, 'invoices')).get('INV-OK-1')?.customer_name).toBe('Good Co');

    const update = await importAndWait(
      t.url,
      token,
      buildCsv([
        ['number', 'customer_name', 'amount', 'status'],
        ['INV-OK-1', 'Good Co', '99.90', 'Void'],
      ]),
      { entity: 'INVOICES', duplicateStrategy: 'UPDATE' },
    );
    expect(update).toMatchObject({ status: 'COMPLETED', updatedRows: 1, failedRows: 0 });
    // Columns absent from the file (customer_email, currency, issued_at) are kept.
    expect((await invoicesOf(t.databaseUrl, 'invoices')).get('INV-OK-1')).toEqual({
      number: 'INV-OK-1',
      customer_email: 'ok@example.com',
      customer_name: 'Good Co',
      amount: '99.90',
      currency: 'EUR',
      issued_at: '2024-02-29',
      status: 'void',
    });
  });
});
