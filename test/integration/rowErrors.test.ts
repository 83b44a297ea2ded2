import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCsv, CONTACTS_HEADER, contactRow } from '../helpers/buildCsv.ts';
import { contactsOf, countContacts } from '../helpers/contactsTable.ts';
import { allRowErrors, gql, importAndWait } from '../helpers/graphqlClient.ts';
import { expectExactTotals } from '../helpers/jobAssertions.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

// Small chunks, so that rows far apart in the file (3 and 120, 60 and 170) are staged and merged by different chunks.
const CHUNK_SIZE = 50;
const DATA_ROWS = 200; // spreadsheet rows 2..201

/**
 * The bad file, by spreadsheet row number (header = row 1). Every row not listed is a valid contact.
 * Lines are Buffers because some carry bytes a JavaScript string cannot (invalid UTF-8).
 */
function badFile(): Buffer {
  const line = (cells: string[]) => Buffer.from(buildCsv([cells]));
  const valid = (row: number, changes: Record<number, string> = {}) => {
    const cells = contactRow(row, 'r');
    for (const [i, v] of Object.entries(changes)) cells[Number(i)] = v;
    return line(cells);
  };
  const special: Record<number, Buffer> = {
    3: valid(3, { 0: 'dup@example.com' }),
    5: valid(5, { 0: 'john@' }),
    9: valid(9, { 1: '' }),
    10: valid(10, { 0: 'not an email', 1: '' }),
    14: valid(14, { 1: 'x'.repeat(101) }),
    15: valid(15, { 3: '1'.repeat(33) }),
    16: valid(16, { 4: 'c'.repeat(201) }),
    17: valid(17, { 0: `${'a'.repeat(243)}@example.com` }), // 255 characters
    // Exactly at every limit: valid.
    18: valid(18, { 0: `${'b'.repeat(242)}@example.com`, 1: 'f'.repeat(100), 3: '2'.repeat(32), 4: 'k'.repeat(200) }),
    20: Buffer.from('r20@example.com,First20,Last20,,,,extra\n'), // 7 fields
    21: Buffer.from('r21@example.com,First21,Last21,,\n'), // 5 fields
    // An unterminated quote in the middle: the quoted field never closes on its line.
    30: Buffer.from('r30@example.com,"Unclosed,Last30,,,\n'),
    // 0x81 is neither UTF-8 nor a Windows-1252 character: text in no encoding (the file is read as Windows-1252).
    50: Buffer.concat([Buffer.from('r50@example.com,A'), Buffer.from([0x81]), Buffer.from('B,Last50,,,\n')]),
    60: valid(60, { 0: 'later@example.com', 1: '' }),
    120: valid(120, { 0: 'DUP@Example.com' }),
    170: valid(170, { 0: 'later@example.com' }),
    // Past the first 8 KB, which the binary-file sniffer reads (see the NUL test at the end of this file).
    180: valid(180, { 2: 'Le\u0000e' }),
    201: valid(201, { 0: 'dup@example.com' }),
  };
  const parts: Buffer[] = [line([...CONTACTS_HEADER])];
  for (let row = 2; row <= DATA_ROWS + 1; row++) parts.push(special[row] ?? valid(row));
  return Buffer.concat(parts);
}

// In row order, and by column within a row.
const EXPECTED_ERRORS = [
  { row: 5, column: 'email', code: 'INVALID_EMAIL', value: 'john@' },
  { row: 9, column: 'first_name', code: 'REQUIRED', value: null },
  { row: 10, column: 'email', code: 'INVALID_EMAIL', value: 'not an email' },
  { row: 10, column: 'first_name', code: 'REQUIRED', value: null },
  { row: 14, column: 'first_name', code: 'TOO_LONG' },
  { row: 15, column: 'phone', code: 'TOO_LONG' },
  { row: 16, column: 'company', code: 'TOO_LONG' },
  { row: 17, column: 'email', code: 'TOO_LONG' },
  { row: 20, column: null, code: 'MALFORMED_ROW' },
  { row: 21, column: null, code: 'MALFORMED_ROW' },
  { row: 30, column: null, code: 'MALFORMED_ROW' },
  { row: 50, column: 'first_name', code: 'INVALID_ENCODING' },
  { row: 60, column: 'first_name', code: 'REQUIRED', value: null },
  { row: 120, column: 'email', code: 'DUPLICATE_IN_FILE', value: 'dup@example.com' },
  { row: 180, column: 'last_name', code: 'INVALID_CHARACTER' },
  { row: 201, column: 'email', code: 'DUPLICATE_IN_FILE', value: 'dup@example.com' },
];
const FAILED_ROWS = new Set(EXPECTED_ERRORS.map((e) => e.row)).size;

const ERRORS_PAGE = `query($id: ID!, $first: Int, $after: String) { job(id: $id) { errors(first: $first, after: $after) {
  totalCount nodes { row column code message value } pageInfo { hasNextPage endCursor } } } }`;

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ chunkSize: CHUNK_SIZE });
});
afterAll(() => t?.stop());

describe('row errors', () => {
  let token: string;
  let job: any;
  beforeAll(async () => {
    token = await t.token('row-errors');
    job = await importAndWait(t.url, token, badFile());
  });

  it('should complete the job and count the bad rows, not the errors, as failed', () => {
    expect(job.status, job.failureReason).toBe('COMPLETED');
    expectExactTotals(job, DATA_ROWS);
    expect(job.failedRows).toBe(FAILED_ROWS);
    expect(job.succeededRows).toBe(DATA_ROWS - FAILED_ROWS);
  });

  it('should report every bad row with its row number, column and code', async () => {
    const errors = await allRowErrors(t.url, token, job.id);
    expect(errors.map(({ row, column, code }) => ({ row, column, code }))).toEqual(EXPECTED_ERRORS.map(({ row, column, code }) => ({ row, column, code })));
    for (const expected of EXPECTED_ERRORS.filter((e) => 'value' in e)) {
      expect(errors.find((e) => e.row === expected.row && e.column === expected.column)?.value).toBe(expected.value);
    }
    for (const e of errors) expect(e.message.length).toBeGreaterThan(0);
  });

  it('should explain each error in words that name the value or the limit', async () => {
    const errors = await allRowErrors(t.url, token, job.id);
    const at = (row: number, column: string | null) => errors.find((e) => e.row === row && e.column === column)!;
    expect(at(5, 'email').message).toContain("'john@'");
    expect(at(9, 'first_name').message).toContain('first_name');
    expect(at(14, 'first_name').message).toContain('100');
    expect(at(15, 'phone').message).toContain('32');
    expect(at(16, 'company').message).toContain('200');
    expect(at(17, 'email').message).toContain('254');
    expect(at(20, null).message).toMatch(/6 fields.*7|7.*6 fields/);
    expect(at(20, null).value).toBe('r20@example.com,First20,Last20,,,,extra');
    expect(at(30, null).value).toBe('r30@example.com,"Unclosed,Last30,,,');
    expect(at(180, 'last_name').value).not.toContain('\u0000');
    expect(at(120, 'email').message).toContain('row 3');
    expect(at(201, 'email').message).toContain('row 3');
  });

  it('should import every other row, including those right after a malformed line and an unterminated quote', async () => {
    expect(await countContacts(t.databaseUrl, 'row-errors')).toBe(DATA_ROWS - FAILED_ROWS);
    const stored = await contactsOf(t.databaseUrl, 'row-errors');
    for (const row of [19, 22, 29, 31, 32, 49, 51, 179, 181]) {
      expect(stored.get(`r${row}@example.com`), `row ${row}`).toMatchObject({ first_name: `First${row}`, last_name: `Last${row}` });
    }
    // Row 31 has a quoted field: the stray quote of row 30 did not swallow it.
    expect(stored.get('r31@example.com')!.tags).toEqual(['vip', 'beta']);
    for (const row of [5, 9, 14, 15, 16, 20, 21, 30, 50, 180]) expect(stored.has(`r${row}@example.com`), `row ${row}`).toBe(false);
  });

  it('should accept values exactly at every length limit', async () => {
    const stored = await contactsOf(t.databaseUrl, 'row-errors');
    const atLimit = stored.get(`${'b'.repeat(242)}@example.com`);
    expect(atLimit).toBeDefined();
    expect(atLimit!.email).toHaveLength(254);
    expect(atLimit!.first_name).toHaveLength(100);
    expect(atLimit!.phone).toHaveLength(32);
    expect(atLimit!.company).toHaveLength(200);
  });

  it('should keep the first occurrence of a key repeated far apart in the file, matching emails case-insensitively', async () => {
    const stored = await contactsOf(t.databaseUrl, 'row-errors');
    expect(stored.get('dup@example.com')).toMatchObject({ first_name: 'First3' });
    // Row 60 was invalid, so row 170 is the first valid occurrence of its key and is imported.
    expect(stored.get('later@example.com')).toMatchObject({ first_name: 'First170' });
  });

  it('should page through errors in row order with cursors and a right totalCount', async () => {
    const pages: any[] = [];
    let after: string | null = null;
    for (;;) {
      const r: any = await gql(t.url, token, ERRORS_PAGE, { id: job.id, first: 5, after });
      expect(r.errors).toBeUndefined();
      const conn = r.data.job.errors;
      expect(conn.totalCount).toBe(EXPECTED_ERRORS.length);
      pages.push(conn);
      if (!conn.pageInfo.hasNextPage) break;
      expect(conn.pageInfo.endCursor).toEqual(expect.any(String));
      after = conn.pageInfo.endCursor;
    }
    expect(pages.map((p) => p.nodes.length)).toEqual([5, 5, 5, 1]);
    const rows = pages.flatMap((p) => p.nodes.map((n: any) => `${n.row}:${n.column}`));
    expect(rows).toEqual(EXPECTED_ERRORS.map((e) => `${e.row}:${e.column}`));
  });

  it('should answer BAD_USER_INPUT for a cursor it did not issue', async () => {
    const r = await gql(t.url, token, ERRORS_PAGE, { id: job.id, first: 5, after: 'not-a-cursor' });
    expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('email addresses', () => {
  it('should accept unusual but valid addresses and reject malformed ones as INVALID_EMAIL', async () => {
    const token = await t.token('emails');
    const valid = ["o'brien@example.com", 'first.last+news@mail.example.co.uk', 'x_y-z@sub-domain.example.org', 'jurgen@bücher.de'];
    const invalid = ['a@b', 'a@@example.com', 'a b@example.com', 'a..b@example.com', '@example.com', 'ann@', 'ann.example.com'];
    const csv = buildCsv([['email', 'first_name'], ...[...valid, ...invalid].map((email) => [email, 'Name'])]);
    const job = await importAndWait(t.url, token, csv);

    expect(job.status).toBe('COMPLETED');
    expectExactTotals(job, valid.length + invalid.length);
    expect([...(await contactsOf(t.databaseUrl, 'emails')).keys()].sort()).toEqual([...valid].sort());
    const errors = await allRowErrors(t.url, token, job.id);
    expect(errors.map((e) => [e.row, e.code, e.value])).toEqual(invalid.map((email, i) => [valid.length + i + 2, 'INVALID_EMAIL', email]));
  });
});

describe('row errors in small files', () => {
  it('should cost a stray quote with no closing quote anywhere after it exactly one row', async () => {
    const token = await t.token('stray-quote');
    const job = await importAndWait(t.url, token, 'email,first_name\na@example.com,"Ann\nb@example.com,Bob\nc@example.com,Cy\n');
    expect(job.status).toBe('COMPLETED');
    expectExactTotals(job, 3);
    expect(await allRowErrors(t.url, token, job.id)).toEqual([
      expect.objectContaining({ row: 2, column: null, code: 'MALFORMED_ROW', value: 'a@example.com,"Ann' }),
    ]);
    expect([...(await contactsOf(t.databaseUrl, 'stray-quote')).keys()]).toEqual(['b@example.com', 'c@example.com']);
  });

  it('should report an unterminated quote on the last line, with no line break after it, as a malformed row', async () => {
    const token = await t.token('last-line-quote');
    const job = await importAndWait(t.url, token, 'email,first_name\na@example.com,Ann\nb@example.com,"Bob');
    expect(job.status).toBe('COMPLETED');
    expectExactTotals(job, 2);
    expect(await allRowErrors(t.url, token, job.id)).toEqual([expect.objectContaining({ row: 3, code: 'MALFORMED_ROW' })]);
    expect(await countContacts(t.databaseUrl, 'last-line-quote')).toBe(1);
  });

  it('should report a NUL byte in a value of a small text file as INVALID_CHARACTER, not reject the file', async () => {
    const token = await t.token('nul-small');
    const job = await importAndWait(t.url, token, 'email,first_name,last_name\na@example.com,Ann,Lee\nb@example.com,B\u0000b,Ray\nc@example.com,Cy,Moe\n');
    expect(job.status, job.failureReason).toBe('COMPLETED');
    expectExactTotals(job, 3);
    expect(job.failedRows).toBe(1);
    const errors = await allRowErrors(t.url, token, job.id);
    expect(errors).toEqual([expect.objectContaining({ row: 3, column: 'first_name', code: 'INVALID_CHARACTER' })]);
    expect(await countContacts(t.databaseUrl, 'nul-small')).toBe(2);
  });

  it('should report invalid UTF-8 in a value of a small file as INVALID_ENCODING when UTF-8 is forced, and import the other rows', async () => {
    const token = await t.token('utf8-small');
    const csv = Buffer.concat([
      Buffer.from('email,first_name\na@example.com,Ann\nb@example.com,Bj'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('rn\nc@example.com,Cy\n'),
    ]);
    const job = await importAndWait(t.url, token, csv, { encoding: 'UTF-8' });
    expect(job.status).toBe('COMPLETED');
    expectExactTotals(job, 3);
    const errors = await allRowErrors(t.url, token, job.id);
    expect(errors).toEqual([expect.objectContaining({ row: 3, column: 'first_name', code: 'INVALID_ENCODING' })]);
    expect(await countContacts(t.databaseUrl, 'utf8-small')).toBe(2);
  });
});
