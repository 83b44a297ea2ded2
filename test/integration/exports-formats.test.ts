import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactsOf, type StoredContact } from '../helpers/contactsTable.ts';
import { exportAndDownload, parseCsv, parseJsonl } from '../helpers/exportClient.ts';
import { insertContacts, insertInvoices, invoicesOf, type StoredInvoice } from '../helpers/seedTables.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

const CONTACT_COLUMNS = ['email', 'first_name', 'last_name', 'phone', 'company', 'tags'];
const INVOICE_COLUMNS = ['number', 'customer_email', 'customer_name', 'amount', 'currency', 'issued_at', 'status'];

/** A stored contact as CSV cells: NULL and the empty string both read back as ''; tags joined by commas. */
function contactCells(c: StoredContact): string[] {
  return [c.email, c.first_name, c.last_name, c.phone ?? '', c.company ?? '', (c.tags ?? []).join(',')];
}

function invoiceCells(i: StoredInvoice): string[] {
  return [i.number, i.customer_email ?? '', i.customer_name, i.amount, i.currency ?? '', i.issued_at ?? '', i.status ?? ''];
}

const byFirstCell = (a: string[], b: string[]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/** CSV, JSONL and gzip output, formula-injection protection, and values that are hard to write. */
describe('export file formats', () => {
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    t = await startTestApp();
    token = await t.token('formats');
    await insertContacts(t.databaseUrl, 'formats', [
      { email: 'quotes@special.example', first_name: 'He said "hi"', last_name: 'Lee, Jr', company: 'line one\nline two', tags: ['東京', 'vip'] },
      { email: 'unicode@special.example', first_name: 'Zoë', last_name: '東京', phone: null, company: 'Party 🎉🦄 GmbH', tags: [] },
      {
        email: 'crlf@special.example',
        first_name: 'Back\\slash',
        last_name: 'tab\there',
        phone: '',
        company: 'Windows\r\nline "two", end',
        tags: ['a b', 'ü'],
      },
      {
        email: 'formula@formula.example',
        first_name: '=1+2',
        last_name: '+44 20',
        phone: '-5',
        company: '@SUM(A1:A2)',
        tags: ['=HYPERLINK("http://x")', 'ok'],
      },
      { email: 'control@formula.example', first_name: '\tTabbed', last_name: '\rCarriage', phone: '123', company: 'safe=not at start', tags: ['plain'] },
    ]);
    await insertInvoices(t.databaseUrl, 'formats', [
      {
        number: 'Q-1',
        customer_email: 'zoë@münchen.example',
        customer_name: 'Zoë "Z" Ltd, 東京 🎉\nsecond line',
        amount: '1234.50',
        currency: 'JPY',
        issued_at: '2024-02-29',
        status: 'paid',
      },
      { number: 'Q-2', customer_name: 'Plain', amount: '0.00' },
      {
        number: '+F-1',
        customer_email: 'f@formula.example',
        customer_name: "=cmd|' /C calc'!A0",
        amount: '10.00',
        currency: 'EUR',
        issued_at: '2024-01-01',
        status: 'open',
      },
    ]);
  });
  afterAll(() => t?.stop());

  it('should write a CSV whose quotes, commas, newlines, non-ASCII and emoji parse back exactly to the stored contacts', async () => {
    const { job, file } = await exportAndDownload(t.url, token, { entity: 'CONTACTS', filter: { search: '@special.example' } });
    const rows = parseCsv(file.body);
    const stored = [...(await contactsOf(t.databaseUrl, 'formats')).values()].filter((c) => c.email.endsWith('@special.example'));
    expect(stored).toHaveLength(3);
    expect(rows[0]).toEqual(CONTACT_COLUMNS);
    expect(rows.slice(1).sort(byFirstCell)).toEqual(stored.map(contactCells).sort(byFirstCell));
    expect(job.totalRows).toBe(3);
    // UTF-8, without a BOM unless asked for one.
    expect(file.body.subarray(0, 5).toString('utf8')).toBe('email');
    expect(file.body.toString('utf8')).toContain('Party 🎉🦄 GmbH');
  });

  it('should write a CSV whose invoice values, amounts and dates parse back exactly to the stored invoices', async () => {
    const { file } = await exportAndDownload(t.url, token, { entity: 'INVOICES', filter: { search: 'Q-' } });
    const rows = parseCsv(file.body);
    const stored = [...(await invoicesOf(t.databaseUrl, 'formats')).values()].filter((i) => i.number.startsWith('Q-'));
    expect(rows[0]).toEqual(INVOICE_COLUMNS);
    expect(rows.slice(1).sort(byFirstCell)).toEqual(stored.map(invoiceCells).sort(byFirstCell));
    expect(rows.find((r) => r[0] === 'Q-1')).toEqual([
      'Q-1',
      'zoë@münchen.example',
      'Zoë "Z" Ltd, 東京 🎉\nsecond line',
      '1234.50',
      'JPY',
      '2024-02-29',
      'paid',
    ]);
  });

  it('should write JSONL with one JSON object per line holding the stored values, nulls and arrays included', async () => {
    const { job, file } = await exportAndDownload(t.url, token, { entity: 'CONTACTS', format: 'JSONL' });
    expect(file.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const lines = parseJsonl(file.body.toString('utf8'));
    const stored = await contactsOf(t.databaseUrl, 'formats');
    expect(lines).toHaveLength(stored.size);
    expect(job.totalRows).toBe(stored.size);
    for (const line of lines) {
      expect(Object.keys(line)).toEqual(CONTACT_COLUMNS);
      expect(line).toEqual(stored.get(line.email));
    }
    // JSONL is for machines: no formula protection.
    expect(lines.find((l) => l.email === 'formula@formula.example').first_name).toBe('=1+2');
  });

  it('should write invoices as JSONL whose amounts, dates and nulls match the stored invoices', async () => {
    const { file } = await exportAndDownload(t.url, token, { entity: 'INVOICES', format: 'JSONL' });
    const lines = parseJsonl(file.body.toString('utf8'));
    const stored = await invoicesOf(t.databaseUrl, 'formats');
    expect(lines).toHaveLength(stored.size);
    for (const line of lines) {
      const s = stored.get(line.number)!;
      expect(Object.keys(line)).toEqual(INVOICE_COLUMNS);
      expect({ ...line, amount: Number(line.amount) }).toEqual({ ...s, amount: Number(s.amount) });
    }
  });

  it('should gzip a CSV export into a .csv.gz file served as application/gzip whose content is the plain export', async () => {
    const input = { entity: 'CONTACTS', filter: { search: '@special.example' } };
    const plain = await exportAndDownload(t.url, token, input);
    const zipped = await exportAndDownload(t.url, token, { ...input, gzip: true });
    expect(zipped.file.headers.get('content-type')).toBe('application/gzip');
    expect(zipped.file.headers.get('content-disposition')).toMatch(/\.csv\.gz"?$/);
    expect(zipped.file.body.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(gunzipSync(zipped.file.body).equals(plain.file.body)).toBe(true);
    expect(zipped.job.totalRows).toBe(3);
  });

  it('should gzip a JSONL export into a .jsonl.gz file whose lines each parse as JSON', async () => {
    const { file } = await exportAndDownload(t.url, token, { entity: 'INVOICES', format: 'JSONL', gzip: true });
    expect(file.headers.get('content-type')).toBe('application/gzip');
    expect(file.headers.get('content-disposition')).toMatch(/\.jsonl\.gz"?$/);
    const lines = parseJsonl(gunzipSync(file.body).toString('utf8'));
    expect(lines.map((l) => l.number).sort()).toEqual(['+F-1', 'Q-1', 'Q-2']);
  });

  it('should write only the header row when no row matches, and an empty JSONL file', async () => {
    const csv = await exportAndDownload(t.url, token, { entity: 'CONTACTS', filter: { search: 'no such contact' } });
    expect(csv.job.totalRows).toBe(0);
    expect(parseCsv(csv.file.body)).toEqual([CONTACT_COLUMNS]);
    const jsonl = await exportAndDownload(t.url, token, { entity: 'INVOICES', format: 'JSONL', filter: { search: 'no such invoice' } });
    expect(jsonl.job.totalRows).toBe(0);
    expect(jsonl.file.body.length).toBe(0);
  });

  it('should prefix with an apostrophe every text cell that begins with = + - @ tab or carriage return, by default', async () => {
    const { file } = await exportAndDownload(t.url, token, { entity: 'CONTACTS', filter: { search: '@formula.example' } });
    const rows = parseCsv(file.body).slice(1).sort(byFirstCell);
    expect(rows).toEqual([
      ['control@formula.example', "'\tTabbed", "'\rCarriage", '123', 'safe=not at start', 'plain'],
      ['formula@formula.example', "'=1+2", "'+44 20", "'-5", "'@SUM(A1:A2)", `'=HYPERLINK("http://x"),ok`],
    ]);
    const invoices = parseCsv((await exportAndDownload(t.url, token, { entity: 'INVOICES', filter: { search: 'F-1' } })).file.body);
    expect(invoices.slice(1)).toEqual([["'+F-1", 'f@formula.example', "'=cmd|' /C calc'!A0", '10.00', 'EUR', '2024-01-01', 'open']]);
  });

  it('should leave formula-like cells exactly as stored when rawCells is true', async () => {
    const { file } = await exportAndDownload(t.url, token, { entity: 'CONTACTS', filter: { search: '@formula.example' }, rawCells: true });
    const stored = [...(await contactsOf(t.databaseUrl, 'formats')).values()].filter((c) => c.email.endsWith('@formula.example'));
    expect(parseCsv(file.body).slice(1).sort(byFirstCell)).toEqual(stored.map(contactCells).sort(byFirstCell));
    const invoices = parseCsv((await exportAndDownload(t.url, token, { entity: 'INVOICES', filter: { search: 'F-1' }, rawCells: true })).file.body);
    expect(invoices.slice(1)).toEqual([['+F-1', 'f@formula.example', "=cmd|' /C calc'!A0", '10.00', 'EUR', '2024-01-01', 'open']]);
  });

  it('should start an excelCompatible CSV with a UTF-8 BOM and end every record with CRLF', async () => {
    const { file } = await exportAndDownload(t.url, token, {
      entity: 'CONTACTS',
      filter: { search: '@formula.example' },
      columns: ['email', 'phone'],
      excelCompatible: true,
    });
    expect([...file.body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = file.body.subarray(3).toString('utf8');
    // Neither value holds a line break, so every LF in the file ends a record and must follow a CR.
    expect(text.match(/\n/g)).toHaveLength(3);
    expect(text.match(/\r\n/g)).toHaveLength(3);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(parseCsv(text).sort(byFirstCell)).toEqual([
      ['control@formula.example', '123'],
      ['email', 'phone'],
      ['formula@formula.example', "'-5"],
    ]);
  });

  it('should keep the cell values of an excelCompatible CSV identical to a plain export, line breaks inside cells included', async () => {
    const input = { entity: 'CONTACTS', filter: { search: '@special.example' } };
    const plain = parseCsv((await exportAndDownload(t.url, token, input)).file.body);
    const excel = await exportAndDownload(t.url, token, { ...input, excelCompatible: true });
    expect([...excel.file.body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const cells = parseCsv(excel.file.body.subarray(3));
    // 'line one\nline two' is a value: Excel's line ends are for records, not for the text inside a cell.
    const company = (rows: string[][], email: string) => JSON.stringify(rows.find((r) => r[0] === email)?.[4]);
    expect(company(cells, 'quotes@special.example')).toBe(JSON.stringify('line one\nline two'));
    expect(company(cells, 'crlf@special.example')).toBe(JSON.stringify('Windows\r\nline "two", end'));
    expect(cells).toEqual(plain);
  });
});
