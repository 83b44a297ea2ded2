import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCsv, CONTACTS_HEADER, contactRow } from '../helpers/buildCsv.ts';
import { waitFor } from '../helpers/faultImport.ts';
import { allRowErrors, gql, importAndWait } from '../helpers/graphqlClient.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

// Bounded work per job: a hostile file cannot make the service store unbounded errors or messages.
const MAX_ROW_ERRORS = 25;
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ maxRowErrors: MAX_ROW_ERRORS, chunkSize: 40, maxChunkBytes: 64 * 1024, fileRetentionDays: 7 });
});
afterAll(() => t?.stop());

const withErrorState = async (token: string, id: string) =>
  (await gql(t.url, token, `query($id: ID!) { job(id: $id) { errorsTruncated errors(first: 1) { totalCount } } }`, { id })).data.job;

describe('row errors', () => {
  it(`should store at most MAX_ROW_ERRORS errors, count every failed row exactly, and say the list is truncated`, async () => {
    const token = await t.token('many-errors');
    // 200 rows with two errors each (',' gives REQUIRED email and first_name) between 50 good rows.
    const junk = Array.from({ length: 100 }, () => ['', '']);
    const good = Array.from({ length: 50 }, (_, i) => contactRow(i + 1, 'cap').slice(0, 2));
    const job = await importAndWait(t.url, token, buildCsv([['email', 'first_name'], ...junk, ...good, ...junk]));
    expect(job).toMatchObject({ status: 'COMPLETED', totalRows: 250, processedRows: 250, failedRows: 200, succeededRows: 50 });
    expect(await withErrorState(token, job.id)).toEqual({ errorsTruncated: true, errors: { totalCount: MAX_ROW_ERRORS } });
    const errors = await allRowErrors(t.url, token, job.id);
    expect(errors[0]).toMatchObject({ row: 2, code: 'REQUIRED' }); // the first ones, in row order
  });

  it('should cap DUPLICATE_EXISTS errors found while merging as well', async () => {
    const token = await t.token('many-duplicates');
    const rows = Array.from({ length: 60 }, (_, i) => contactRow(i + 1, 'dupcap'));
    await importAndWait(t.url, token, buildCsv([CONTACTS_HEADER, ...rows]));
    const again = await importAndWait(t.url, token, buildCsv([CONTACTS_HEADER, ...rows]), { duplicateStrategy: 'FAIL' });
    expect(again).toMatchObject({ status: 'COMPLETED', failedRows: 60, succeededRows: 0 });
    expect(await withErrorState(token, again.id)).toEqual({ errorsTruncated: true, errors: { totalCount: MAX_ROW_ERRORS } });
  });

  it('should not truncate a list that fits', async () => {
    const token = await t.token('few-errors');
    const job = await importAndWait(
      t.url,
      token,
      buildCsv([CONTACTS_HEADER, ...Array.from({ length: 10 }, (_, i) => contactRow(i + 1, 'few')), ['bad', 'X', '', '', '', '']]),
    );
    expect(await withErrorState(token, job.id)).toEqual({ errorsTruncated: false, errors: { totalCount: 1 } });
  });

  it('should quote a huge cell in a message only clipped', async () => {
    const token = await t.token('huge-cell');
    const huge = `${'x'.repeat(300_000)}@`;
    const job = await importAndWait(t.url, token, `email,first_name\n"${huge}",Ann\nok@example.com,Bob\n`);
    expect(job).toMatchObject({ status: 'COMPLETED', failedRows: 1, succeededRows: 1 });
    const [error] = await allRowErrors(t.url, token, job.id);
    expect(error.code).toBe('TOO_LONG');
    expect(error.message.length).toBeLessThan(300);
    expect(error.value.length).toBeLessThanOrEqual(201);
  });
});

describe('chunks', () => {
  it('should close a chunk on bytes as well as rows, and still import every row exactly', async () => {
    const token = await t.token('fat-rows');
    // ~2 KB of valid cells a row: 40 rows would be 80 KB, over the 64 KB byte limit.
    const rows = Array.from({ length: 120 }, (_, i) => [
      `fat${i}@example.com`,
      'F'.repeat(100),
      'L'.repeat(100),
      '',
      'C'.repeat(200),
      Array.from({ length: 15 }, (_, j) => `tag${j}-${'t'.repeat(90)}`).join(','),
    ]);
    const job = await importAndWait(t.url, token, buildCsv([CONTACTS_HEADER, ...rows]));
    expect(job).toMatchObject({ status: 'COMPLETED', totalRows: 120, succeededRows: 120, insertedRows: 120 });
    const { rows: r } = await t.app.services.pool.query(`SELECT total_chunks FROM jobs WHERE id = $1`, [job.id]);
    expect(r[0].total_chunks).toBeGreaterThan(120 / 40);
  });
});

describe('retention', () => {
  it("should delete an ended import's stored row errors with its files, keeping its counts", async () => {
    const token = await t.token('errors-retention');
    const job = await importAndWait(t.url, token, `email,first_name\nbad,Ann\nok@example.com,Bob\n`);
    expect((await withErrorState(token, job.id)).errors.totalCount).toBe(1);
    await t.app.services.pool.query(`UPDATE jobs SET completed_at = now() - interval '8 days' WHERE id = $1`, [job.id]);
    await t.app.services.pool.query(`SELECT graphile_worker.add_job('retention_sweep', '{}')`);
    await waitFor('the retention sweep', async () => ((await withErrorState(token, job.id)).errors.totalCount === 0 ? true : undefined), 30_000, 200);
    expect((await gql(t.url, token, `query($id: ID!) { job(id: $id) { failedRows succeededRows } }`, { id: job.id })).data.job).toEqual({
      failedRows: 1,
      succeededRows: 1,
    });
  });
});
