import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCsv, CONTACTS_HEADER, contactRow } from '../helpers/buildCsv.ts';
import { contactsOf } from '../helpers/contactsTable.ts';
import { allRowErrors, gql, importAndWait, waitForJob } from '../helpers/graphqlClient.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';
import { withDatabase } from '../helpers/testDatabase.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ chunkSize: 9 });
});
afterAll(() => t?.stop());

const REVERT = `mutation($id: ID!) { revertImport(id: $id) { id kind status entity reverts { id } } }`;
const JOB = `query($id: ID!) { job(id: $id) { id kind status totalRows processedRows succeededRows failedRows deletedRows updatedRows
  revertedBy { id status } reverts { id } } }`;

async function revert(token: string, importId: string): Promise<any> {
  const r = await gql(t.url, token, REVERT, { id: importId });
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  await waitForJob(t.url, token, r.data.revertImport.id);
  return (await gql(t.url, token, JOB, { id: r.data.revertImport.id })).data.job;
}

const rows = (from: number, to: number, prefix = 'undo') => Array.from({ length: to - from + 1 }, (_, i) => contactRow(from + i, prefix));

describe('revertImport', () => {
  it('should delete every row an insert-only import added, leaving the table as it was', async () => {
    const token = await t.token('undo-insert');
    await importAndWait(t.url, token, buildCsv([CONTACTS_HEADER, ...rows(1, 5, 'earlier')]));
    const before = await contactsOf(t.databaseUrl, 'undo-insert');
    const imported = await importAndWait(t.url, token, buildCsv([CONTACTS_HEADER, ...rows(1, 40), ['bad-email', 'X', '', '', '', '']]));
    expect(imported).toMatchObject({ status: 'COMPLETED', insertedRows: 40, failedRows: 1 });

    const job = await revert(token, imported.id);
    expect(job).toMatchObject({
      kind: 'REVERT',
      status: 'COMPLETED',
      totalRows: 40,
      processedRows: 40,
      succeededRows: 40,
      failedRows: 0,
      deletedRows: 40,
      updatedRows: 0,
    });
    expect(job.reverts).toEqual({ id: imported.id });
    expect(await contactsOf(t.databaseUrl, 'undo-insert')).toEqual(before);
    expect((await gql(t.url, token, JOB, { id: imported.id })).data.job.revertedBy).toEqual({ id: job.id, status: 'COMPLETED' });
  });

  it('should put back every value an UPDATE import overwrote, and delete the rows it inserted', async () => {
    const token = await t.token('undo-update');
    await importAndWait(t.url, token, buildCsv([CONTACTS_HEADER, ...rows(1, 30)]));
    const before = await contactsOf(t.databaseUrl, 'undo-update');
    const changed = rows(1, 30).map((r, i) => (i % 3 === 0 ? [r[0], `New${i}`, r[2], '+1 000', 'NewCo', 'changed'] : r));
    const imported = await importAndWait(t.url, token, buildCsv([CONTACTS_HEADER, ...changed, ...rows(31, 36)]), { duplicateStrategy: 'UPDATE' });
    expect(imported).toMatchObject({ status: 'COMPLETED', updatedRows: 10, insertedRows: 6, unchangedRows: 20 });
    expect(await contactsOf(t.databaseUrl, 'undo-update')).not.toEqual(before);

    const job = await revert(token, imported.id);
    expect(job).toMatchObject({ status: 'COMPLETED', totalRows: 16, succeededRows: 16, updatedRows: 10, deletedRows: 6, failedRows: 0 });
    expect(await contactsOf(t.databaseUrl, 'undo-update')).toEqual(before);
  });

  it('should leave a row changed after the import alone and report it as CHANGED_SINCE_IMPORT', async () => {
    const token = await t.token('undo-edited');
    const imported = await importAndWait(t.url, token, buildCsv([CONTACTS_HEADER, ...rows(1, 12)]));
    // Someone else changes two rows after the import: a later import, and an edit of the table.
    await importAndWait(t.url, token, buildCsv([CONTACTS_HEADER, [contactRow(3, 'undo')[0], 'Edited', 'Later', '', '', '']]), { duplicateStrategy: 'UPDATE' });
    await withDatabase(t.databaseUrl, (c) =>
      c.query(`UPDATE contacts SET company = 'Hand edit', updated_at = now() WHERE email = $1`, [contactRow(7, 'undo')[0]]),
    );

    const job = await revert(token, imported.id);
    expect(job).toMatchObject({ status: 'COMPLETED', processedRows: 12, succeededRows: 10, deletedRows: 10, failedRows: 2 });
    const errors = await allRowErrors(t.url, token, job.id);
    expect(errors.map((e) => [e.row, e.column, e.code, e.value])).toEqual([
      [4, 'email', 'CHANGED_SINCE_IMPORT', contactRow(3, 'undo')[0]],
      [8, 'email', 'CHANGED_SINCE_IMPORT', contactRow(7, 'undo')[0]],
    ]);
    const left = await contactsOf(t.databaseUrl, 'undo-edited');
    expect([...left.keys()].sort()).toEqual([contactRow(3, 'undo')[0], contactRow(7, 'undo')[0]].sort());
    expect(left.get(contactRow(3, 'undo')[0])).toMatchObject({ first_name: 'Edited', last_name: 'Later' });
  });

  it('should refuse a revert of a revert, of a dry run, and of an import still running, with clear errors', async () => {
    const token = await t.token('undo-refused');
    const imported = await importAndWait(t.url, token, buildCsv([CONTACTS_HEADER, ...rows(1, 3)]));
    const job = await revert(token, imported.id);
    const again = await gql(t.url, token, REVERT, { id: job.id });
    expect(again.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'REVERT_OF_REVERT' });
    expect(again.errors?.[0].message).toMatch(/a revert cannot be reverted/);

    const dry = await importAndWait(t.url, token, buildCsv([CONTACTS_HEADER, ...rows(4, 6)]), { dryRun: true });
    expect((await gql(t.url, token, REVERT, { id: dry.id })).errors?.[0].extensions?.reason).toBe('NOTHING_TO_REVERT');

    // Asking twice for the same import gives the same revert.
    expect((await gql(t.url, token, REVERT, { id: imported.id })).data.revertImport.id).toBe(job.id);
  });

  it('should refuse the support role, and answer NOT_FOUND for another workspace’s import', async () => {
    const owner = await t.token('undo-owner');
    const imported = await importAndWait(t.url, owner, buildCsv([CONTACTS_HEADER, ...rows(1, 2)]));
    const support = await t.token('undo-staff', 'support');
    expect((await gql(t.url, support, REVERT, { id: imported.id })).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const stranger = await t.token('undo-stranger');
    expect((await gql(t.url, stranger, REVERT, { id: imported.id })).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await contactsOf(t.databaseUrl, 'undo-owner')).size).toBe(2);
  });
});
