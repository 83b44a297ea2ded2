import iconv from 'iconv-lite';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCsv, validContactsCsv } from '../helpers/buildCsv.ts';
import { contactsOf } from '../helpers/contactsTable.ts';
import { download, exportAndWait, withParam } from '../helpers/exportClient.ts';
import { allRowErrors, fetchJob, gql, importAndWait } from '../helpers/graphqlClient.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

/**
 * Issue 7's failed-rows file: Job.failedRowsUrl, downloaded over real HTTP, fixed "in a spreadsheet"
 * and imported again. MAX_ROW_ERRORS is 8 here, so one test can pass it.
 */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ chunkSize: 3, maxRowErrors: 8 });
});
afterAll(() => t?.stop());

const LINKS = `query($id: ID!) { job(id: $id) { id status failedRows errorsTruncated failedRowsUrl ignoredColumns } }`;
const HEADER = ['E-mail', 'Vorname', 'Nachname', 'Notiz'];
const MAPPING = [
  { column: 'Vorname', field: 'first_name' },
  { column: 'Nachname', field: 'last_name' },
  { column: 'Notiz', field: 'company' },
];
const UTF8_BOM = '\uFEFF';

async function links(
  token: string,
  id: string,
): Promise<{ failedRowsUrl: string | null; failedRows: number; errorsTruncated: boolean; ignoredColumns: string[] }> {
  const r = await gql(t.url, token, LINKS, { id });
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data.job;
}

/** The file as a spreadsheet would read it: records of cells, the BOM checked and dropped. */
function cellsOf(body: Buffer): string[][] {
  const text = body.toString('utf8');
  expect(text.startsWith(UTF8_BOM)).toBe(true);
  return parse(text.slice(1), { relax_column_count: false }) as string[][];
}

describe('the failed-rows file', () => {
  it('should hold the original failed rows with row and errors, in row order, guarded against formulas, and import again once fixed', async () => {
    const token = await t.token('kunden');
    const rows = [
      ['k1@example.com', 'Karl', 'Klein', 'ACME'],
      ['k2 at example.com', 'Karla', 'Groß', '=HYPERLINK("http://evil.example","Klick")'], // row 3: bad email, formula cell
      ['k3@example.com', 'Kurt', 'Lang', 'Globex'],
      ['k4@example.com', '', 'Leer', 'Firma, "mit" Komma\nund Zeile'], // row 5: no first name; quotes, comma, line break
      ['k5@example.com', 'Kai', 'Kurz', 'Initech'],
      ['k1@example.com', 'Karl', 'Doppelt', '+49 30 1234'], // row 7: the same email as row 2
      ['kaputt', '', 'Zwei Fehler', '@SUM(A1)'], // row 8: two errors
      ['k9@example.com', 'Kim', 'Kühn', 'Hooli'],
    ];
    const job = await importAndWait(t.url, token, buildCsv([HEADER, ...rows]), { mapping: MAPPING });
    expect(job).toMatchObject({ status: 'COMPLETED', totalRows: 8, succeededRows: 4, failedRows: 4 });
    const { failedRowsUrl } = await links(token, job.id);
    expect(failedRowsUrl).toMatch(new RegExp(`^${t.url.replace(/\/graphql$/, '')}/files/${job.id}/failed-rows\\?expires=\\d+&sig=`));

    // Downloaded without a token, as a browser follows the link.
    const file = await download(failedRowsUrl!);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(file.headers.get('content-disposition')).toBe('attachment; filename="contacts-failed-rows.csv"');
    const cells = cellsOf(file.body);
    expect(cells[0]).toEqual([...HEADER, 'row', 'errors']);
    expect(cells.slice(1).map((r) => r[4])).toEqual(['3', '5', '7', '8']);
    expect(cells[1].slice(0, 4)).toEqual(['k2 at example.com', 'Karla', 'Groß', `'=HYPERLINK("http://evil.example","Klick")`]);
    expect(cells[2].slice(0, 4)).toEqual(['k4@example.com', '', 'Leer', 'Firma, "mit" Komma\nund Zeile']);
    expect(cells[3].slice(0, 4)).toEqual(['k1@example.com', 'Karl', 'Doppelt', "'+49 30 1234"]);
    expect(cells[4].slice(0, 4)).toEqual(['kaputt', '', 'Zwei Fehler', "'@SUM(A1)"]);
    expect(cells[1][5]).toMatch(/^INVALID_EMAIL: /);
    expect(cells[2][5]).toMatch(/^REQUIRED: first_name is required$/);
    expect(cells[3][5]).toMatch(/^DUPLICATE_IN_FILE: /);
    // Both of row 8's errors, in one cell.
    expect(
      cells[4][5]
        .split('; ')
        .map((e) => e.split(':')[0])
        .sort(),
    ).toEqual(['INVALID_EMAIL', 'REQUIRED']);
    const stored = (await allRowErrors(t.url, token, job.id)).map((e) => e.row);
    expect([...new Set(stored)]).toEqual([3, 5, 7, 8]);

    // Fixed in a spreadsheet: the apostrophes of the guard removed, the values corrected, the
    // duplicate row dropped; row and errors stay where they are.
    const fixed = [
      ['k2@example.com', 'Karla', 'Groß', 'Hyperlink GmbH', cells[1][4], cells[1][5]],
      ['k4@example.com', 'Kerstin', 'Leer', cells[2][3], cells[2][4], cells[2][5]],
      ['k8@example.com', 'Konrad', 'Zwei Fehler', 'Summen AG', cells[4][4], cells[4][5]],
    ];
    const again = await importAndWait(t.url, token, buildCsv([cells[0], ...fixed]), { mapping: MAPPING });
    expect(again).toMatchObject({ status: 'COMPLETED', totalRows: 3, succeededRows: 3, failedRows: 0, insertedRows: 3 });
    const second = await links(token, again.id);
    expect(second.ignoredColumns).toEqual(['row', 'errors']);
    expect(second.failedRowsUrl).toBeNull();
    const contacts = await contactsOf(t.databaseUrl, 'kunden');
    expect(contacts.size).toBe(7);
    expect(contacts.get('k4@example.com')).toMatchObject({ first_name: 'Kerstin', company: 'Firma, "mit" Komma\nund Zeile' });
    expect(contacts.get('k2@example.com')).toMatchObject({ company: 'Hyperlink GmbH' });
  });

  it('should replace, not repeat, the row and errors columns of a failed-rows file that fails again', async () => {
    const token = await t.token('again');
    const csv = buildCsv([
      ['email', 'first_name', 'row', 'errors'],
      ['a@example.com', 'Ann', '2', 'old'],
      ['still bad', 'Bob', '9', 'INVALID_EMAIL: old message'],
    ]);
    const job = await importAndWait(t.url, token, csv);
    expect(job).toMatchObject({ status: 'COMPLETED', succeededRows: 1, failedRows: 1 });
    const cells = cellsOf((await download((await links(token, job.id)).failedRowsUrl!)).body);
    expect(cells).toEqual([
      ['email', 'first_name', 'row', 'errors'],
      ['still bad', 'Bob', '3', expect.stringMatching(/^INVALID_EMAIL: /)],
    ]);
  });

  it('should keep the original text of a Windows-1252 file, written out as UTF-8', async () => {
    const token = await t.token('ansi');
    const csv = iconv.encode(
      buildCsv([
        ['email', 'first_name', 'last_name'],
        ['müller at example.com', 'Jürgen', 'Müller'],
        ['z@example.com', 'Zoë', 'Ñúñez'],
      ]),
      'win1252',
    );
    const job = await importAndWait(t.url, token, csv);
    expect(job).toMatchObject({ status: 'COMPLETED', failedRows: 1, encoding: 'WINDOWS-1252' });
    const cells = cellsOf((await download((await links(token, job.id)).failedRowsUrl!)).body);
    expect(cells.slice(1).map((r) => r.slice(0, 4))).toEqual([['müller at example.com', 'Jürgen', 'Müller', '2']]);
  });

  it('should hold only the rows whose errors are stored when errors are truncated (MAX_ROW_ERRORS 8)', async () => {
    const token = await t.token('many');
    const rows = Array.from({ length: 20 }, (_, i) => [i % 2 ? `bad-${i}` : `ok${i}@example.com`, `Name${i}`]);
    const job = await importAndWait(t.url, token, buildCsv([['email', 'first_name'], ...rows]));
    const state = await links(token, job.id);
    expect(state).toMatchObject({ failedRows: 10, errorsTruncated: true });
    const cells = cellsOf((await download(state.failedRowsUrl!)).body);
    // Rows 3, 5, … 17: the first 8 failed rows, whose errors are the 8 stored.
    expect(cells.slice(1).map((r) => r[2])).toEqual(['3', '5', '7', '9', '11', '13', '15', '17']);
  });

  it('should be null when no row failed, for an export, and for a job that failed as a whole', async () => {
    const token = await t.token('clean');
    const clean = await importAndWait(t.url, token, validContactsCsv(3, 'clean'));
    expect(clean).toMatchObject({ status: 'COMPLETED', failedRows: 0 });
    expect((await links(token, clean.id)).failedRowsUrl).toBeNull();
    const failed = await importAndWait(t.url, token, 'first_name\nAnn\n');
    expect(failed.status).toBe('FAILED');
    expect((await links(token, failed.id)).failedRowsUrl).toBeNull();
    const exported = await exportAndWait(t.url, token, { entity: 'CONTACTS' });
    expect(exported.status).toBe('COMPLETED');
    expect((await links(token, exported.id)).failedRowsUrl).toBeNull();
  });

  it("should refuse a changed, expired or re-pointed link, and another workspace's token, with no byte of the file", async () => {
    const token = await t.token('owner');
    const stranger = await t.token('stranger');
    const job = await importAndWait(
      t.url,
      token,
      buildCsv([
        ['email', 'first_name'],
        ['secret at owner.example', 'Geheim'],
      ]),
    );
    const link = (await links(token, job.id)).failedRowsUrl!;
    expect((await download(link, token)).status).toBe(200);
    const refusals = [
      { link: withParam(link, 'sig', 'x' + new URL(link).searchParams.get('sig')!.slice(1)), code: 'INVALID_LINK' },
      { link: withParam(link, 'expires', String(Number(new URL(link).searchParams.get('expires')) + 1)), code: 'INVALID_LINK' },
      // The same signature on the export path of the same job: it signs the failed-rows file only.
      { link: link.replace('/failed-rows?', '?'), code: 'INVALID_LINK' },
    ];
    for (const r of refusals) {
      const res = await download(r.link);
      expect(res.status).toBe(403);
      expect(JSON.parse(res.body.toString()).error.code).toBe(r.code);
    }
    const foreign = await download(link, stranger);
    expect(foreign.status).toBe(403);
    expect(foreign.body.toString()).not.toContain('Geheim');
    expect(JSON.parse(foreign.body.toString()).error.code).toBe('FORBIDDEN');
  });

  it('should go with the upload after FILE_RETENTION_DAYS: null link, and the old link answers 404 GONE', async () => {
    const token = await t.token('retained');
    const job = await importAndWait(
      t.url,
      token,
      buildCsv([
        ['email', 'first_name'],
        ['nope', 'Nora'],
        ['ok@example.com', 'Olga'],
      ]),
    );
    const link = (await links(token, job.id)).failedRowsUrl!;
    expect((await download(link)).status).toBe(200);
    const { pool, config } = t.app.services;
    await pool.query(`UPDATE jobs SET completed_at = now() - make_interval(days => $2) WHERE id = $1`, [job.id, config.fileRetentionDays + 1]);
    await pool.query(`SELECT graphile_worker.add_job('retention_sweep', '{}')`);
    const deadline = Date.now() + 30_000;
    while ((await pool.query(`SELECT file_key FROM jobs WHERE id = $1`, [job.id])).rows[0].file_key !== null) {
      if (Date.now() > deadline) throw new Error('the retention sweep did not delete the upload in 30 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await links(token, job.id)).toMatchObject({ failedRows: 1, failedRowsUrl: null });
    const gone = await download(link);
    expect(gone.status).toBe(404);
    expect(JSON.parse(gone.body.toString()).error.code).toBe('GONE');
  });

  it("should give support staff the link to any workspace's failed rows", async () => {
    const token = await t.token('helped');
    const support = await t.token('helpdesk', 'support');
    const job = await importAndWait(
      t.url,
      token,
      buildCsv([
        ['email', 'first_name'],
        ['nope', 'Nora'],
      ]),
    );
    const link = (await links(support, job.id)).failedRowsUrl!;
    const cells = cellsOf((await download(link, support)).body);
    expect(cells[1].slice(0, 3)).toEqual(['nope', 'Nora', '2']);
    expect((await fetchJob(t.url, support, job.id)).failedRows).toBe(1);
  });
});
