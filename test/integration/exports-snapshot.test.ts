import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { download, fetchExportJob, parseCsv, startExport } from '../helpers/exportClient.ts';
import { installExportGate, type ExportGate } from '../helpers/exportGate.ts';
import { pollJob, uploadImport, waitForJob } from '../helpers/graphqlClient.ts';
import { seedManyContacts } from '../helpers/seedTables.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';
import { withDatabase } from '../helpers/testDatabase.ts';

const ROWS = 200_000;
/** Importing 200,000 updates takes a while on a busy two-core machine. */
const SLOW = 180_000;

/** A contacts file that rewrites the company of every seeded contact (the other columns as seeded). */
function companyUpdateCsv(company: string): string {
  const lines = ['email,first_name,last_name,phone,company,tags'];
  for (let n = 1; n <= ROWS; n++) lines.push(`bulk${n}@example.com,First${n},Last${n},+1 555 ${String(n).padStart(7, '0')},${company},bulk`);
  return lines.join('\n') + '\n';
}

/** How many rows of the table have each company value. */
function companiesInTable(databaseUrl: string): Promise<Record<string, number>> {
  return withDatabase(databaseUrl, async (c) => {
    const { rows } = await c.query<{ company: string; n: number }>(`SELECT company, count(*)::int AS n FROM contacts GROUP BY company`);
    return Object.fromEntries(rows.map((r) => [r.company, r.n]));
  });
}

/** How many rows of a downloaded (email, company) export have each company value. */
function companiesInFile(csv: Buffer): { rows: number; companies: Record<string, number> } {
  const rows = parseCsv(csv);
  expect(rows[0]).toEqual(['email', 'company']);
  const companies: Record<string, number> = {};
  for (const [, company] of rows.slice(1)) companies[company] = (companies[company] ?? 0) + 1;
  return { rows: rows.length - 1, companies };
}

/**
 * An export reads ONE snapshot: an import that commits while the export runs never makes the file
 * half old, half new. One chunk per import here, so the import itself commits all rows at once.
 */
describe('an export while an import writes to the same table', () => {
  let t: TestApp;
  let token: string;
  let gate: ExportGate | undefined;

  beforeAll(async () => {
    t = await startTestApp({ chunkSize: ROWS });
    token = await t.token('snapshot');
    await seedManyContacts(t.databaseUrl, 'snapshot', ROWS, { company: 'OLD' });
  });
  afterAll(async () => {
    await gate?.remove();
    await t?.stop();
  });

  it(
    'should write the rows as they were when the export took its snapshot, even though an import changed all of them before the first row was written',
    async () => {
      gate = await installExportGate(t.databaseUrl);
      await gate.close();
      const exportJob = await startExport(t.url, token, { entity: 'CONTACTS', columns: ['email', 'company'] });
      await gate.waitForExport(); // snapshot taken, rows counted, nothing written yet

      const uploaded = await uploadImport(t.url, token, companyUpdateCsv('NEW'), { duplicateStrategy: 'UPDATE' });
      expect(uploaded.errors).toBeUndefined();
      const importJob = await waitForJob(t.url, token, uploaded.data.startImport.id, undefined, SLOW);
      expect(importJob).toMatchObject({ status: 'COMPLETED', failedRows: 0, updatedRows: ROWS });
      expect(await companiesInTable(t.databaseUrl)).toEqual({ NEW: ROWS });

      await gate.remove();
      gate = undefined;
      const done = await waitForJob(t.url, token, exportJob.id, undefined, SLOW);
      expect(done.status).toBe('COMPLETED');
      const job = await fetchExportJob(t.url, token, exportJob.id);
      const file = await download(job.downloadUrl);
      expect(file.status).toBe(200);
      const { rows, companies } = companiesInFile(file.body);
      expect(job.totalRows).toBe(ROWS);
      expect(rows).toBe(job.totalRows);
      expect(companies).toEqual({ OLD: ROWS });
    },
    SLOW,
  );

  it(
    'should write either all old or all new values when an export starts while an import rewriting every row is running',
    async () => {
      expect(await companiesInTable(t.databaseUrl)).toEqual({ NEW: ROWS });
      // The import first (its upload and staging take a while), then the export while it runs.
      const started = await uploadImport(t.url, token, companyUpdateCsv('NEWER'), { duplicateStrategy: 'UPDATE' });
      expect(started.errors).toBeUndefined();
      const importId = started.data.startImport.id;
      await pollJob(t.url, token, importId, (j) => j.status !== 'QUEUED', 60_000, 20);
      const exportJob = await startExport(t.url, token, { entity: 'CONTACTS', columns: ['email', 'company'] });

      const [imported, exported] = await Promise.all([
        waitForJob(t.url, token, importId, undefined, SLOW),
        waitForJob(t.url, token, exportJob.id, undefined, SLOW),
      ]);
      expect(imported).toMatchObject({ status: 'COMPLETED', updatedRows: ROWS });
      expect(exported.status).toBe('COMPLETED');
      const job = await fetchExportJob(t.url, token, exportJob.id);
      const { rows, companies } = companiesInFile((await download(job.downloadUrl)).body);
      expect(rows).toBe(ROWS);
      expect(job.totalRows).toBe(ROWS);
      // Either every row from before the import's commit, or every row from after it.
      expect([{ NEW: ROWS }, { NEWER: ROWS }]).toContainEqual(companies);
    },
    SLOW,
  );
});
