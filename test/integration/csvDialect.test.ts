import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactsOf } from '../helpers/contactsTable.ts';
import { allRowErrors, importAndWait } from '../helpers/graphqlClient.ts';
import { expectExactTotals } from '../helpers/jobAssertions.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

const fixture = (name: string) => fs.readFileSync(new URL(`../fixtures/${name}`, import.meta.url));

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ chunkSize: 2 });
});
afterAll(() => t?.stop());

describe('the CSV dialect', () => {
  it('should import quoted newlines, embedded commas and quotes exactly, trimming values and lower-casing emails', async () => {
    const token = await t.token('quoted');
    const job = await importAndWait(t.url, token, fixture('quoted-fields.csv'));

    expect(job.status).toBe('COMPLETED');
    expectExactTotals(job, 7);
    expect(job.failedRows).toBe(1);
    const stored = await contactsOf(t.databaseUrl, 'quoted');
    expect(stored.size).toBe(6);
    expect(stored.get('ann@example.com')).toEqual({
      email: 'ann@example.com',
      first_name: 'Ann',
      last_name: 'Lee, Jr.',
      phone: '+1 555 0100',
      company: 'Acme "Rockets" Inc.',
      tags: ['vip', 'beta'],
    });
    expect(stored.get('bob@example.com')).toEqual({
      email: 'bob@example.com',
      first_name: 'Bob',
      last_name: "O'Brien",
      phone: null,
      company: 'Line one\nLine two',
      tags: [],
    });
    expect(stored.get('cy@example.com')).toMatchObject({ last_name: '"Quoted" Moe', company: 'Initech, LLC', tags: ['customer'] });
    expect(stored.get('dee@example.com')).toMatchObject({ last_name: 'Fox', company: null, tags: [] });
    expect(stored.get('eve@example.com')).toMatchObject({ last_name: 'Multi\nline\nname', company: 'Globex', tags: ['a', 'b'] });
    expect(stored.get('gus@example.com')).toMatchObject({ company: '5" screen' });
  });

  it('should number rows by record, so a record with quoted line breaks takes one row', async () => {
    const token = await t.token('quoted-rows');
    const job = await importAndWait(t.url, token, fixture('quoted-fields.csv'));
    const errors = await allRowErrors(t.url, token, job.id);
    expect(errors).toEqual([expect.objectContaining({ row: 7, column: 'email', code: 'INVALID_EMAIL', value: 'not-an-email' })]);
  });

  it('should import a file with a UTF-8 BOM and CRLF line endings exactly', async () => {
    const token = await t.token('bom-crlf');
    const csv = Buffer.from(
      '\uFEFF' +
        [
          'email,first_name,last_name,tags',
          'zoe@example.com,Zoë,Müller,"vip,beta"',
          '"lukasz@example.com","Łukasz","Nowak, Jr.",',
          'jose@example.com,"José ""Pepe""","García',
          'López",partner', // a quoted line break inside a CRLF file: kept as the file has it
          "siobhan@example.com,Siobhán,O'Brien,trial", // no line break at the end of the file
        ].join('\r\n'),
    );
    const job = await importAndWait(t.url, token, csv);

    expect(job.status, job.failureReason).toBe('COMPLETED');
    expectExactTotals(job, 4);
    expect(job.failedRows).toBe(0);
    const stored = await contactsOf(t.databaseUrl, 'bom-crlf');
    expect(stored.get('zoe@example.com')).toMatchObject({ first_name: 'Zoë', last_name: 'Müller', tags: ['vip', 'beta'] });
    expect(stored.get('lukasz@example.com')).toMatchObject({ first_name: 'Łukasz', last_name: 'Nowak, Jr.', tags: [] });
    expect(stored.get('jose@example.com')).toMatchObject({ first_name: 'José "Pepe"', last_name: 'García\r\nLópez', tags: ['partner'] });
    expect(stored.get('siobhan@example.com')).toMatchObject({ first_name: 'Siobhán', last_name: "O'Brien", tags: ['trial'] });
    // No stray carriage return at the end of the last field of any row.
    for (const c of stored.values()) expect(c.tags!.every((tag) => !tag.includes('\r'))).toBe(true);
  });

  it('should import a file with lone CR line endings', async () => {
    const token = await t.token('cr');
    const job = await importAndWait(t.url, token, 'email,first_name\ra@example.com,Ann\rb@example.com,Bob\r');
    expect(job.status).toBe('COMPLETED');
    expectExactTotals(job, 2);
    expect([...(await contactsOf(t.databaseUrl, 'cr')).values()].map((c) => c.first_name)).toEqual(['Ann', 'Bob']);
  });

  it('should skip blank lines without counting them as rows, while row numbers stay those a spreadsheet shows', async () => {
    const token = await t.token('blank-lines');
    const job = await importAndWait(t.url, token, 'email,first_name\na@example.com,Ann\n\n\nbad,Bob\nc@example.com,Cy\n\n');
    expect(job.status).toBe('COMPLETED');
    expectExactTotals(job, 3);
    expect(job.failedRows).toBe(1);
    const errors = await allRowErrors(t.url, token, job.id);
    expect(errors).toEqual([expect.objectContaining({ row: 5, code: 'INVALID_EMAIL', value: 'bad' })]);
  });
});
