import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCsv, contactRow, CONTACTS_HEADER } from '../helpers/buildCsv.ts';
import { contactsOf, countContacts } from '../helpers/contactsTable.ts';
import { allRowErrors, importAndWait } from '../helpers/graphqlClient.ts';
import { expectExactTotals } from '../helpers/jobAssertions.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

// A 64-bit key filter "maybe sees" nearly every key, so nearly every row takes the deferred path
// (settled by one query after staging, merged by one extra chunk) instead of its own chunk's merge.
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ keyFilterBits: 6, chunkSize: 40 });
});
afterAll(() => t?.stop());

describe('in-file duplicates when the key filter defers most rows', () => {
  it('should keep the first occurrence, report every later one with the row it repeats, and count exactly', async () => {
    const token = await t.token('deferred');
    const rows = Array.from({ length: 300 }, (_, i) => contactRow(i + 1));
    // Row numbers: header is 1, contactRow(n) sits at row n + 1. Repeats far apart and within a chunk.
    rows.push(contactRow(7)); // row 302 repeats row 8
    rows.push(['PERSON250@example.com', 'Upper', '', '', '', '']); // row 303 repeats row 251 (case-insensitive)
    rows.push(contactRow(7)); // row 304 repeats row 8 again
    rows.push(['bad-email', 'X', '', '', '', '']); // row 305 invalid
    const job = await importAndWait(t.url, token, buildCsv([CONTACTS_HEADER, ...rows]));
    expect(job.status).toBe('COMPLETED');
    expectExactTotals(job, 304);
    expect(job.succeededRows).toBe(300);
    expect(await countContacts(t.databaseUrl, 'deferred')).toBe(300);
    const errors = await allRowErrors(t.url, token, job.id);
    expect(errors.map((e) => [e.row, e.code, e.message])).toEqual([
      [302, 'DUPLICATE_IN_FILE', "email 'person7@example.com' already appears in row 8"],
      [303, 'DUPLICATE_IN_FILE', "email 'person250@example.com' already appears in row 251"],
      [304, 'DUPLICATE_IN_FILE', "email 'person7@example.com' already appears in row 8"],
      [305, 'INVALID_EMAIL', "invalid email 'bad-email'"],
    ]);
    const stored = await contactsOf(t.databaseUrl, 'deferred');
    expect(stored.get('person250@example.com')?.first_name).toBe('First250');
  });

  it('should apply UPDATE to deferred rows like to any other', async () => {
    const token = await t.token('deferred-update');
    await importAndWait(t.url, token, buildCsv([CONTACTS_HEADER, ...Array.from({ length: 100 }, (_, i) => contactRow(i + 1))]));
    const changed = Array.from({ length: 100 }, (_, i) => (i % 10 === 0 ? [...contactRow(i + 1).slice(0, 4), 'NewCo', ''] : contactRow(i + 1)));
    const job = await importAndWait(t.url, token, buildCsv([CONTACTS_HEADER, ...changed]), { duplicateStrategy: 'UPDATE' });
    expectExactTotals(job, 100);
    expect([job.updatedRows, job.unchangedRows, job.insertedRows]).toEqual([10, 90, 0]);
    const stored = await contactsOf(t.databaseUrl, 'deferred-update');
    expect(stored.get('person11@example.com')?.company).toBe('NewCo');
    expect(stored.get('person12@example.com')?.company).toBe('Company 12');
  });
});
