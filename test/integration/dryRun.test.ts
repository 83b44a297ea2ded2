import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCsv, CONTACTS_HEADER, contactRow } from '../helpers/buildCsv.ts';
import { contactsOf } from '../helpers/contactsTable.ts';
import { allRowErrors, gql, uploadImport, waitForJob } from '../helpers/graphqlClient.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ chunkSize: 7 });
});
afterAll(() => t?.stop());

const FIELDS = `id status dryRun totalRows processedRows succeededRows failedRows insertedRows updatedRows unchangedRows wouldInsert wouldUpdate`;

async function run(token: string, csv: string, input: Record<string, unknown>): Promise<any> {
  const r = await uploadImport(t.url, token, csv, input);
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  await waitForJob(t.url, token, r.data.startImport.id);
  const job = (await gql(t.url, token, `query($id: ID!) { job(id: $id) { ${FIELDS} } }`, { id: r.data.startImport.id })).data.job;
  const errors = (await allRowErrors(t.url, token, job.id)).map((e) => `${e.row}|${e.column}|${e.code}`);
  return { job, errors };
}

/** A file of `rows` contacts with two bad rows and an in-file duplicate, spread over several chunks. */
function mixedFile(rows: number, changed = 0): string {
  const lines = Array.from({ length: rows }, (_, i) => contactRow(i + 1, 'dry'));
  for (let i = 0; i < changed; i++) lines[i][1] = `Renamed${i}`;
  lines[4][0] = 'not-an-email';
  lines[9][1] = '';
  lines.push([...lines[2]]); // the same email again, far below
  return buildCsv([CONTACTS_HEADER, ...lines]);
}

describe('a dry run (validate only)', () => {
  it('should end COMPLETED with the counts and row errors the import would produce, write no row, and match the real run that follows', async () => {
    const token = await t.token('dry-empty');
    const csv = mixedFile(30);
    const dry = await run(token, csv, { dryRun: true });
    expect(dry.job).toMatchObject({ status: 'COMPLETED', dryRun: true, totalRows: 31, processedRows: 31, insertedRows: 0, updatedRows: 0 });
    expect(dry.job.wouldInsert).toBe(28);
    expect(dry.job.wouldUpdate).toBe(0);
    expect(dry.errors).toEqual(['6|email|INVALID_EMAIL', '11|first_name|REQUIRED', '32|email|DUPLICATE_IN_FILE']);
    expect((await contactsOf(t.databaseUrl, 'dry-empty')).size).toBe(0);

    const real = await run(token, csv, {});
    expect(real.job).toMatchObject({ dryRun: false, wouldInsert: null, wouldUpdate: null });
    for (const k of ['totalRows', 'processedRows', 'succeededRows', 'failedRows', 'unchangedRows']) expect(real.job[k]).toBe(dry.job[k]);
    expect(real.job.insertedRows).toBe(dry.job.wouldInsert);
    expect(real.errors).toEqual(dry.errors);
    expect((await contactsOf(t.databaseUrl, 'dry-empty')).size).toBe(28);
  });

  it('should count the updates an UPDATE import would make over existing rows, and leave those rows untouched', async () => {
    const token = await t.token('dry-update');
    await run(token, buildCsv([CONTACTS_HEADER, ...Array.from({ length: 20 }, (_, i) => contactRow(i + 1, 'dry'))]), {});
    const before = await contactsOf(t.databaseUrl, 'dry-update');
    const csv = mixedFile(30, 3); // rows 1-3 renamed; 21-30 are new
    const dry = await run(token, csv, { dryRun: true, duplicateStrategy: 'UPDATE' });
    expect(dry.job).toMatchObject({ status: 'COMPLETED', wouldUpdate: 3, wouldInsert: 10, updatedRows: 0, insertedRows: 0 });
    expect(await contactsOf(t.databaseUrl, 'dry-update')).toEqual(before);

    const real = await run(token, csv, { duplicateStrategy: 'UPDATE' });
    expect(real.job).toMatchObject({
      updatedRows: dry.job.wouldUpdate,
      insertedRows: dry.job.wouldInsert,
      unchangedRows: dry.job.unchangedRows,
      failedRows: dry.job.failedRows,
    });
    expect(real.errors).toEqual(dry.errors);
  });

  it('should report DUPLICATE_EXISTS under FAIL exactly as the real import does', async () => {
    const token = await t.token('dry-fail');
    await run(token, buildCsv([CONTACTS_HEADER, ...Array.from({ length: 8 }, (_, i) => contactRow(i + 1, 'dry'))]), {});
    const csv = mixedFile(12);
    const dry = await run(token, csv, { dryRun: true, duplicateStrategy: 'FAIL' });
    expect(dry.errors.filter((e: string) => e.endsWith('DUPLICATE_EXISTS'))).toHaveLength(7); // rows 1-8 but the bad row 5
    const real = await run(token, csv, { duplicateStrategy: 'FAIL' });
    expect(real.errors).toEqual(dry.errors);
    expect(real.job.failedRows).toBe(dry.job.failedRows);
  });
});
