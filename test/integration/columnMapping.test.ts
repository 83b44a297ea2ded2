import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCsv } from '../helpers/buildCsv.ts';
import { contactsOf } from '../helpers/contactsTable.ts';
import { allJobIds, allRowErrors, fetchJob, gql, importAndWait, uploadImport } from '../helpers/graphqlClient.ts';
import { storedFiles } from '../helpers/storedFiles.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

/** Issue 7's column mapping: startImport's `mapping` and the suggestMapping query, over real HTTP. */
let t: TestApp;
let storageDir: string;
beforeAll(async () => {
  t = await startTestApp({ chunkSize: 4 });
  storageDir = t.app.services.config.storageDir!;
});
afterAll(() => t?.stop());

const SUGGEST = `query($entity: Entity!, $headers: [String!]!) {
  suggestMapping(entity: $entity, headers: $headers) { entity fields { name required } mapping { column field } missingRequired } }`;

/** A German CRM export: E-mail, Vorname, Nachname, Notiz; row 5 (data row 4) has no first name. */
function kundenCsv(rows: number): string {
  return buildCsv([
    ['E-mail', 'Vorname', 'Nachname', 'Notiz'],
    ...Array.from({ length: rows }, (_, i) => [`kunde${i + 1}@example.com`, i === 3 ? '' : `Vorname${i + 1}`, `Nachname${i + 1}`, `note ${i + 1}`]),
  ]);
}

const KUNDEN_MAPPING = [
  { column: 'Vorname', field: 'first_name' },
  { column: 'Nachname', field: 'last_name' },
  { column: 'Notiz', field: null },
];

describe('suggestMapping', () => {
  it('should return the automatic match per header, the fields and the required fields left unmapped', async () => {
    const token = await t.token('suggest');
    const r = await gql(t.url, token, SUGGEST, { entity: 'CONTACTS', headers: ['E-mail', 'Vorname', 'Nachname', 'Last Name', 'mail'] });
    expect(r.errors).toBeUndefined();
    expect(r.data.suggestMapping).toEqual({
      entity: 'CONTACTS',
      fields: [
        { name: 'email', required: true },
        { name: 'first_name', required: true },
        { name: 'last_name', required: false },
        { name: 'phone', required: false },
        { name: 'company', required: false },
        { name: 'tags', required: false },
      ],
      // "mail" is an alias of email too, but E-mail took it first: the import would ignore it.
      mapping: [
        { column: 'E-mail', field: 'email' },
        { column: 'Vorname', field: null },
        { column: 'Nachname', field: null },
        { column: 'Last Name', field: 'last_name' },
        { column: 'mail', field: null },
      ],
      missingRequired: ['first_name'],
    });
  });

  it('should answer for invoices with their own fields, and refuse a caller without a token', async () => {
    const token = await t.token('suggest');
    const r = await gql(t.url, token, SUGGEST, { entity: 'INVOICES', headers: ['Invoice No', 'Total'] });
    expect(r.data.suggestMapping.mapping).toEqual([
      { column: 'Invoice No', field: 'number' },
      { column: 'Total', field: 'amount' },
    ]);
    expect(r.data.suggestMapping.missingRequired).toEqual(['customer_name']);
    const anonymous = await gql(t.url, undefined, SUGGEST, { entity: 'CONTACTS', headers: ['email'] });
    expect(anonymous.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('startImport with a mapping', () => {
  it('should import foreign headers E-mail, Vorname, Nachname with the explicit choices, ignoring a column mapped to null', async () => {
    const token = await t.token('kunden');
    const job = await importAndWait(t.url, token, kundenCsv(10), { mapping: KUNDEN_MAPPING });
    expect(job).toMatchObject({ status: 'COMPLETED', totalRows: 10, processedRows: 10, succeededRows: 9, failedRows: 1, insertedRows: 9 });
    expect((await fetchJob(t.url, token, job.id)).ignoredColumns).toEqual(['Notiz']);
    expect((await allRowErrors(t.url, token, job.id)).map((e) => `${e.row}|${e.column}|${e.code}`)).toEqual(['5|first_name|REQUIRED']);
    const stored = await contactsOf(t.databaseUrl, 'kunden');
    expect(stored.size).toBe(9);
    expect(stored.get('kunde1@example.com')).toMatchObject({ first_name: 'Vorname1', last_name: 'Nachname1', company: null });
    expect(stored.get('kunde10@example.com')).toMatchObject({ first_name: 'Vorname10', last_name: 'Nachname10' });
  });

  it('should let an explicit choice win over the automatic match, both ways', async () => {
    const token = await t.token('override');
    // first_name would match by name; the mapping ignores it and takes "Rufname" instead, and it
    // sends the matching "company" column to nothing.
    const csv = buildCsv([
      ['email', 'first_name', 'Rufname', 'company'],
      ['a@example.com', 'Alexander', 'Alex', 'ACME'],
      ['b@example.com', 'Beatrix', 'Bea', 'Initech'],
    ]);
    const job = await importAndWait(t.url, token, csv, {
      mapping: [
        { column: 'Rufname', field: 'first_name' },
        { column: 'company', field: null },
      ],
    });
    expect(job).toMatchObject({ status: 'COMPLETED', succeededRows: 2, failedRows: 0 });
    expect((await fetchJob(t.url, token, job.id)).ignoredColumns).toEqual(['first_name', 'company']);
    const stored = await contactsOf(t.databaseUrl, 'override');
    expect(stored.get('a@example.com')).toMatchObject({ first_name: 'Alex', company: null });
    expect(stored.get('b@example.com')).toMatchObject({ first_name: 'Bea', company: null });
  });

  it('should fail the job with a clear reason when the mapping leaves a required field without a column', async () => {
    const token = await t.token('unmapped');
    const job = await importAndWait(t.url, token, kundenCsv(2), { mapping: [{ column: 'Nachname', field: 'last_name' }] });
    expect(job.status).toBe('FAILED');
    expect(job.failureReason).toMatch(/^no column is mapped to required field 'first_name' \(found 'E-mail', 'Vorname', 'Nachname', 'Notiz'\)/);
  });

  describe('refusals, before anything is stored', () => {
    const refusals: [string, Record<string, unknown>[], string, RegExp][] = [
      [
        'an unknown field',
        [{ column: 'Vorname', field: 'vorname' }],
        'UNKNOWN_FIELD',
        /maps column 'Vorname' to 'vorname', which is not a field of CONTACTS: use one of email, first_name/,
      ],
      [
        'a column not in the header',
        [
          { column: 'Vorname', field: 'first_name' },
          { column: 'Geburtstag', field: 'tags' },
        ],
        'UNKNOWN_COLUMN',
        /names column 'Geburtstag', which the file's header does not have \(found 'E-mail', 'Vorname', 'Nachname', 'Notiz'\)/,
      ],
      [
        'two columns mapped to one field',
        [
          { column: 'Vorname', field: 'first_name' },
          { column: 'Nachname', field: 'first_name' },
        ],
        'FIELD_MAPPED_TWICE',
        /maps both 'Vorname' and 'Nachname' to 'first_name'/,
      ],
      [
        'one column named twice',
        [
          { column: 'Vorname', field: 'first_name' },
          { column: 'Vorname', field: null },
        ],
        'COLUMN_MAPPED_TWICE',
        /names column 'Vorname' more than once/,
      ],
    ];
    for (const [what, mapping, reason, message] of refusals) {
      it(`should refuse ${what} with BAD_USER_INPUT (${reason}), starting no job and keeping no file`, async () => {
        const token = await t.token('refused');
        const jobsBefore = await allJobIds(t.url, token);
        const filesBefore = storedFiles(storageDir);
        const r = await uploadImport(t.url, token, kundenCsv(3), { mapping });
        expect(r.data?.startImport ?? null).toBeNull();
        expect(r.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason });
        expect(r.errors?.[0].message).toMatch(message);
        expect(await allJobIds(t.url, token)).toEqual(jobsBefore);
        expect(storedFiles(storageDir)).toEqual(filesBefore);
        expect(await contactsOf(t.databaseUrl, 'refused')).toEqual(new Map());
      });
    }

    it('should refuse a mapping naming a column the header has twice (AMBIGUOUS_COLUMN)', async () => {
      const token = await t.token('refused');
      const jobsBefore = await allJobIds(t.url, token);
      const csv = buildCsv([
        ['email', 'Name', 'Name'],
        ['a@example.com', 'A', 'B'],
      ]);
      const r = await uploadImport(t.url, token, csv, { mapping: [{ column: 'Name', field: 'first_name' }] });
      expect(r.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'AMBIGUOUS_COLUMN' });
      expect(await allJobIds(t.url, token)).toEqual(jobsBefore);
    });
  });
});
