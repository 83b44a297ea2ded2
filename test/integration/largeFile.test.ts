import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateContactsCsv } from '../../bench/generateContacts.ts';
import { countContacts } from '../helpers/contactsTable.ts';
import { allRowErrors, uploadImport, waitForJob } from '../helpers/graphqlClient.ts';
import { expectExactTotals } from '../helpers/jobAssertions.ts';
import { withDatabase } from '../helpers/testDatabase.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

const ROWS = 100_000;

let t: TestApp;
let dir: string;
beforeAll(async () => {
  t = await startTestApp();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkport-large-'));
});
afterAll(async () => {
  await t?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('a large file', () => {
  it('should import a 100,000-row file exactly: every row once, exact totals, no row errors', async () => {
    const file = path.join(dir, 'contacts-100k.csv');
    await generateContactsCsv(file, ROWS, { seed: 42 });
    const token = await t.token('large');

    const started = await uploadImport(t.url, token, fs.readFileSync(file), {}, 'contacts-100k.csv');
    expect(started.errors).toBeUndefined();
    const job = await waitForJob(t.url, token, started.data.startImport.id, undefined, 120_000);

    expect(job.status).toBe('COMPLETED');
    expectExactTotals(job, ROWS);
    expect(job).toMatchObject({ succeededRows: ROWS, failedRows: 0, insertedRows: ROWS, updatedRows: 0, unchangedRows: 0, percent: 100 });
    expect(await allRowErrors(t.url, token, job.id)).toEqual([]);
    expect(await countContacts(t.databaseUrl, 'large')).toBe(ROWS);

    // The generator numbers its rows into the emails (…<index>@domain): every index landed exactly once.
    const stats = await withDatabase(t.databaseUrl, async (c) => {
      const r = await c.query<{ distinct_emails: number; min_index: number; max_index: number; with_quotes: number; with_commas: number }>(
        `SELECT count(DISTINCT email)::int AS distinct_emails,
                min(substring(email FROM '([0-9]+)@')::int) AS min_index,
                max(substring(email FROM '([0-9]+)@')::int) AS max_index,
                count(*) FILTER (WHERE company LIKE '%"%')::int AS with_quotes,
                count(*) FILTER (WHERE last_name LIKE '%,%' OR company LIKE '%,%')::int AS with_commas
         FROM contacts`,
      );
      return r.rows[0];
    });
    expect(stats).toMatchObject({ distinct_emails: ROWS, min_index: 0, max_index: ROWS - 1 });
    // Quoted fields with embedded quotes and commas survived the parse.
    expect(stats.with_quotes).toBeGreaterThan(0);
    expect(stats.with_commas).toBeGreaterThan(0);
  });
});
