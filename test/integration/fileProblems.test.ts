import fs from 'node:fs';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactsOf, countContacts } from '../helpers/contactsTable.ts';
import { importAndWait } from '../helpers/graphqlClient.ts';
import { expectExactTotals } from '../helpers/jobAssertions.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

const fixture = (name: string) => fs.readFileSync(new URL(`../fixtures/${name}`, import.meta.url));

// The first bytes of a real PNG: signature, then the IHDR chunk of a 1x1 image.
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4d80000000049454e44ae426082',
  'hex',
);
// What an .xlsx (or any zip) starts with: a local file header.
const ZIP = Buffer.concat([Buffer.from('504b0304140006000800000021000000000000000000000000001300', 'hex'), Buffer.from('[Content_Types].xml')]);

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.stop());

/** Imports into a fresh workspace and returns the ended job. */
async function importInto(workspace: string, file: string | Buffer): Promise<any> {
  return importAndWait(t.url, await t.token(workspace), file);
}

describe('files that cannot be imported', () => {
  it('should fail at once, naming the column, when a required column is missing', async () => {
    const job = await importInto('missing-first-name', 'email,last_name\nann@example.com,Lee\nbob@example.com,Ray\n');
    expect(job.status).toBe('FAILED');
    expect(job.failureReason).toContain('first_name');
    expect(job).toMatchObject({ processedRows: 0, succeededRows: 0, failedRows: 0 });
    expect(job.completedAt).not.toBeNull();
    expect(await countContacts(t.databaseUrl, 'missing-first-name')).toBe(0);
  });

  it('should name every missing required column', async () => {
    const job = await importInto('missing-both', 'phone,company\n+1 555,Acme\n');
    expect(job.status).toBe('FAILED');
    expect(job.failureReason).toContain('email');
    expect(job.failureReason).toContain('first_name');
  });

  it('should fail an empty file with a reason that says it is empty', async () => {
    const job = await importInto('empty', '');
    expect(job.status).toBe('FAILED');
    expect(job.failureReason).toMatch(/empty/i);
  });

  it('should fail a file of blank lines as empty', async () => {
    const job = await importInto('blank', '\n\r\n\n');
    expect(job.status).toBe('FAILED');
    expect(job.failureReason).toMatch(/empty/i);
  });

  it('should fail a PNG image with a reason that says it is not a CSV text file', async () => {
    const job = await importInto('png', PNG);
    expect(job.status).toBe('FAILED');
    expect(job.failureReason).toMatch(/binary|not (a )?CSV/i);
    expect(await countContacts(t.databaseUrl, 'png')).toBe(0);
  });

  it('should fail a zip archive (an .xlsx workbook) with a reason that tells how to export CSV', async () => {
    const job = await importInto('zip', ZIP);
    expect(job.status).toBe('FAILED');
    expect(job.failureReason).toMatch(/not CSV/i);
    expect(job.failureReason).toMatch(/CSV UTF-8/);
  });

  it('should fail a UTF-16 file forced to be read as UTF-8 with a reason that names UTF-16 (detected, it imports)', async () => {
    const file = Buffer.from('\uFEFFemail,first_name\r\nann@example.com,Ann\r\n', 'utf16le');
    const job = await importAndWait(t.url, await t.token('utf16-forced'), file, { encoding: 'UTF-8' });
    expect(job.status).toBe('FAILED');
    expect(job.failureReason).toMatch(/UTF-16/);
    expect(job.failureReason).toMatch(/without `encoding`/);
  });

  it('should fail a gzip file as compressed even though its bytes are not UTF-8', async () => {
    const job = await importInto('gzip', gzipSync('email,first_name\nann@example.com,Ann\n'));
    expect(job.status).toBe('FAILED');
    expect(job.failureReason).toMatch(/gzip/);
  });

  it('should fail a header that names a column twice', async () => {
    const job = await importInto('repeated', 'email,first_name,E-Mail\nann@example.com,Ann,ann@example.com\n');
    expect(job.status).toBe('FAILED');
    expect(job.failureReason).toMatch(/email.*more than once/);
  });

  it('should fail a header row with an unterminated quote', async () => {
    const job = await importInto('bad-header', 'email,"first_name\nann@example.com,Ann\n');
    expect(job.status).toBe('FAILED');
    expect(job.failureReason).toMatch(/header/i);
  });
});

describe('files with nothing to import', () => {
  it('should complete a header-only file with zero rows', async () => {
    const job = await importInto('header-only', 'email,first_name,last_name\n');
    expect(job.status).toBe('COMPLETED');
    expectExactTotals(job, 0);
    expect(job).toMatchObject({ succeededRows: 0, failedRows: 0, percent: 100, failureReason: null });
    expect(await countContacts(t.databaseUrl, 'header-only')).toBe(0);
  });

  it('should complete a header-only file without a final line break', async () => {
    const job = await importInto('header-only-no-eol', 'email,first_name');
    expect(job.status).toBe('COMPLETED');
    expectExactTotals(job, 0);
  });
});

describe('header matching', () => {
  it('should map "E-mail", "First Name", "LAST_NAME" and known aliases onto the columns, ignoring unknown ones', async () => {
    const job = await importInto('headers', fixture('header-variants.csv'));
    expect(job.status, job.failureReason).toBe('COMPLETED');
    expectExactTotals(job, 2);
    expect(job.failedRows).toBe(0);
    expect(job.ignoredColumns).toEqual(['Favourite Colour']);
    const stored = await contactsOf(t.databaseUrl, 'headers');
    expect(stored.get('ann@example.com')).toEqual({
      email: 'ann@example.com',
      first_name: 'Ann',
      last_name: 'Lee',
      phone: '+1 555 0100',
      company: 'Acme',
      tags: ['vip'],
    });
    expect(stored.get('bob@example.com')).toEqual({ email: 'bob@example.com', first_name: 'Bob', last_name: 'Ray', phone: null, company: 'Initech', tags: [] });
  });

  it('should ignore an empty trailing header cell, as spreadsheets write with a trailing comma', async () => {
    const job = await importInto('trailing-comma', 'email,first_name,\nann@example.com,Ann,\nbob@example.com,Bob,\n');
    expect(job.status, job.failureReason).toBe('COMPLETED');
    expectExactTotals(job, 2);
    expect(job.failedRows).toBe(0);
    expect(job.ignoredColumns).toEqual([]);
  });

  it('should accept the columns in any order, with optional columns left out', async () => {
    const job = await importInto('reordered', 'first_name,EMAIL\nAnn,ann@example.com\n');
    expect(job.status).toBe('COMPLETED');
    expect((await contactsOf(t.databaseUrl, 'reordered')).get('ann@example.com')).toEqual({
      email: 'ann@example.com',
      first_name: 'Ann',
      last_name: '',
      phone: null,
      company: null,
      tags: [],
    });
  });
});
