import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCsv, CONTACTS_HEADER } from '../helpers/buildCsv.ts';
import { contactsOf, countContacts } from '../helpers/contactsTable.ts';
import { allRowErrors, importAndWait } from '../helpers/graphqlClient.ts';
import { expectExactTotals } from '../helpers/jobAssertions.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

// Tiny chunks: every file below spans several chunks, so keys meet across chunk boundaries.
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ chunkSize: 2 });
});
afterAll(() => t?.stop());

const EXISTING = buildCsv([
  CONTACTS_HEADER,
  ['ann@example.com', 'Ann', 'Lee', '+1 111', 'Acme', 'vip'],
  ['bob@example.com', 'Bob', 'Ray', '+1 222', 'Initech', 'beta, trial'],
  ['cy@example.com', 'Cy', 'Moe', '+1 333', 'Globex', ''],
]);

/** A fresh workspace holding the three EXISTING contacts; returns its token. */
async function workspaceWithContacts(workspace: string): Promise<string> {
  const token = await t.token(workspace);
  const seeded = await importAndWait(t.url, token, EXISTING);
  expect(seeded).toMatchObject({ status: 'COMPLETED', insertedRows: 3 });
  return token;
}

// Ann and Bob exist already (with other values), Cy is sent unchanged, Dee is new.
const INCOMING = buildCsv([
  CONTACTS_HEADER,
  ['ANN@example.com', 'Annie', 'Lee-Smith', '+1 999', 'Hooli', 'partner'],
  ['bob@example.com', 'Robert', 'Ray', '+1 222', 'Initech', 'beta, trial'],
  ['cy@example.com', 'Cy', 'Moe', '+1 333', 'Globex', ''],
  ['dee@example.com', 'Dee', 'Fox', '', '', ''],
]);

describe('duplicate strategies against existing rows', () => {
  it('should keep existing values with SKIP and count those rows as unchanged', async () => {
    const token = await workspaceWithContacts('skip');
    const job = await importAndWait(t.url, token, INCOMING, { duplicateStrategy: 'SKIP' });

    expect(job).toMatchObject({
      status: 'COMPLETED',
      duplicateStrategy: 'SKIP',
      succeededRows: 4,
      failedRows: 0,
      insertedRows: 1,
      updatedRows: 0,
      unchangedRows: 3,
    });
    expectExactTotals(job, 4);
    const stored = await contactsOf(t.databaseUrl, 'skip');
    expect(stored.size).toBe(4);
    expect(stored.get('ann@example.com')).toMatchObject({ first_name: 'Ann', last_name: 'Lee', phone: '+1 111', company: 'Acme', tags: ['vip'] });
    expect(stored.get('bob@example.com')).toMatchObject({ first_name: 'Bob' });
    expect(stored.get('dee@example.com')).toMatchObject({ first_name: 'Dee', last_name: 'Fox' });
  });

  it('should use SKIP when no strategy is given', async () => {
    const token = await workspaceWithContacts('default-strategy');
    const job = await importAndWait(t.url, token, INCOMING);
    expect(job).toMatchObject({ status: 'COMPLETED', duplicateStrategy: 'SKIP', insertedRows: 1, unchangedRows: 3 });
    expect((await contactsOf(t.databaseUrl, 'default-strategy')).get('ann@example.com')).toMatchObject({ first_name: 'Ann' });
  });

  it('should overwrite existing rows with UPDATE, counting only rows whose values changed as updated', async () => {
    const token = await workspaceWithContacts('update');
    const job = await importAndWait(t.url, token, INCOMING, { duplicateStrategy: 'UPDATE' });

    expect(job).toMatchObject({ status: 'COMPLETED', succeededRows: 4, failedRows: 0, insertedRows: 1, updatedRows: 2, unchangedRows: 1 });
    expectExactTotals(job, 4);
    const stored = await contactsOf(t.databaseUrl, 'update');
    expect(stored.size).toBe(4);
    expect(stored.get('ann@example.com')).toEqual({
      email: 'ann@example.com',
      first_name: 'Annie',
      last_name: 'Lee-Smith',
      phone: '+1 999',
      company: 'Hooli',
      tags: ['partner'],
    });
    expect(stored.get('bob@example.com')).toMatchObject({ first_name: 'Robert', phone: '+1 222' });
  });

  it('should update nothing when the same data is imported again with UPDATE', async () => {
    const token = await workspaceWithContacts('update-again');
    const first = await importAndWait(t.url, token, INCOMING, { duplicateStrategy: 'UPDATE' });
    expect(first.updatedRows).toBe(2);
    const before = await contactsOf(t.databaseUrl, 'update-again');

    const again = await importAndWait(t.url, token, INCOMING, { duplicateStrategy: 'UPDATE' });
    expect(again).toMatchObject({ status: 'COMPLETED', succeededRows: 4, failedRows: 0, insertedRows: 0, updatedRows: 0, unchangedRows: 4 });
    expectExactTotals(again, 4);
    expect(await contactsOf(t.databaseUrl, 'update-again')).toEqual(before);
  });

  it('should not erase columns that are absent from the file when updating', async () => {
    const token = await workspaceWithContacts('update-partial');
    const partial = buildCsv([
      ['E-mail', 'First Name'],
      ['ann@example.com', 'Annette'],
      ['bob@example.com', 'Bob'], // same as stored: unchanged
    ]);
    const job = await importAndWait(t.url, token, partial, { duplicateStrategy: 'UPDATE' });

    expect(job).toMatchObject({ status: 'COMPLETED', succeededRows: 2, insertedRows: 0, updatedRows: 1, unchangedRows: 1 });
    const stored = await contactsOf(t.databaseUrl, 'update-partial');
    expect(stored.get('ann@example.com')).toEqual({
      email: 'ann@example.com',
      first_name: 'Annette',
      last_name: 'Lee',
      phone: '+1 111',
      company: 'Acme',
      tags: ['vip'],
    });
    expect(stored.get('bob@example.com')).toMatchObject({ last_name: 'Ray', phone: '+1 222', company: 'Initech', tags: ['beta', 'trial'] });
  });

  it('should report each existing key as DUPLICATE_EXISTS with FAIL and leave the stored row alone', async () => {
    const token = await workspaceWithContacts('fail');
    const job = await importAndWait(t.url, token, INCOMING, { duplicateStrategy: 'FAIL' });

    expect(job).toMatchObject({ status: 'COMPLETED', succeededRows: 1, failedRows: 3, insertedRows: 1, updatedRows: 0, unchangedRows: 0 });
    expectExactTotals(job, 4);
    const errors = await allRowErrors(t.url, token, job.id);
    expect(errors.map(({ row, column, code, value }) => ({ row, column, code, value }))).toEqual([
      { row: 2, column: 'email', code: 'DUPLICATE_EXISTS', value: 'ann@example.com' },
      { row: 3, column: 'email', code: 'DUPLICATE_EXISTS', value: 'bob@example.com' },
      { row: 4, column: 'email', code: 'DUPLICATE_EXISTS', value: 'cy@example.com' },
    ]);
    expect(errors[0].message).toContain('ann@example.com');
    const stored = await contactsOf(t.databaseUrl, 'fail');
    expect(stored.size).toBe(4);
    expect(stored.get('ann@example.com')).toMatchObject({ first_name: 'Ann', company: 'Acme' });
  });

  it('should report a key repeated in the file as DUPLICATE_IN_FILE with UPDATE, using the first occurrence, without a crashed batch', async () => {
    const token = await workspaceWithContacts('update-repeated');
    const repeated = buildCsv([
      CONTACTS_HEADER,
      ['ann@example.com', 'First', 'Occurrence', '', '', ''],
      ['cy@example.com', 'Cy', 'Moe', '+1 333', 'Globex', ''],
      ['zed@example.com', 'Zed', '', '', '', ''],
      ['Ann@Example.com', 'Second', 'Occurrence', '', '', ''],
      ['zed@example.com', 'Zed', 'Again', '', '', ''],
    ]);
    const job = await importAndWait(t.url, token, repeated, { duplicateStrategy: 'UPDATE' });

    expect(job).toMatchObject({ status: 'COMPLETED', succeededRows: 3, failedRows: 2, insertedRows: 1, updatedRows: 1, unchangedRows: 1 });
    expectExactTotals(job, 5);
    const errors = await allRowErrors(t.url, token, job.id);
    expect(errors.map(({ row, code }) => ({ row, code }))).toEqual([
      { row: 5, code: 'DUPLICATE_IN_FILE' },
      { row: 6, code: 'DUPLICATE_IN_FILE' },
    ]);
    const stored = await contactsOf(t.databaseUrl, 'update-repeated');
    expect(stored.get('ann@example.com')).toMatchObject({ first_name: 'First', last_name: 'Occurrence' });
    expect(stored.get('zed@example.com')).toMatchObject({ last_name: '' });
  });

  it('should treat the same email in another workspace as a different contact', async () => {
    await workspaceWithContacts('owner-a');
    const tokenB = await t.token('owner-b');
    const job = await importAndWait(t.url, tokenB, INCOMING, { duplicateStrategy: 'FAIL' });

    expect(job).toMatchObject({ status: 'COMPLETED', succeededRows: 4, failedRows: 0, insertedRows: 4 });
    expect(await countContacts(t.databaseUrl, 'owner-b')).toBe(4);
    expect((await contactsOf(t.databaseUrl, 'owner-a')).get('ann@example.com')).toMatchObject({ first_name: 'Ann' });
  });
});
