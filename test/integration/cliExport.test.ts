import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv, parseJsonl } from '../helpers/exportClient.ts';
import { allJobIds } from '../helpers/graphqlClient.ts';
import { runCli } from '../helpers/runCli.ts';
import { insertInvoices } from '../helpers/seedTables.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

/** `bulkport export` as a child process against the real server: start, follow, download to --out. */
let t: TestApp;
let dir: string;
let token: string;
const exportCli = (...args: string[]) => runCli(['export', ...args], { cwd: dir, env: { BULKPORT_URL: t.url, BULKPORT_TOKEN: token } });
const read = (name: string) => fs.readFileSync(path.join(dir, name));

beforeAll(async () => {
  t = await startTestApp();
  token = await t.token('books');
  await t.token('other');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkport-cli-export-'));
  await insertInvoices(t.databaseUrl, 'books', [
    { number: 'INV-1', customer_name: 'Globex', amount: '100.00', status: 'paid', created_at: '2025-12-01T00:00:00Z' },
    { number: 'INV-2', customer_name: 'Initech', amount: '250.50', status: 'open', created_at: '2026-02-01T00:00:00Z' },
    { number: 'INV-3', customer_name: '=HYPERLINK("x")', amount: '7.00', status: 'paid', created_at: '2026-03-01T00:00:00Z' },
    { number: 'INV-4', customer_name: 'Umbrella', amount: '9.99', status: 'void', created_at: '2026-04-01T00:00:00Z' },
  ]);
  // Another workspace's paid invoice must never be in the file.
  await insertInvoices(t.databaseUrl, 'other', [{ number: 'INV-9', customer_name: 'Intruder', amount: '1.00', status: 'paid' }]);
});
afterAll(async () => {
  await t?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('bulkport export', () => {
  it('should write the rows the filters select to --out, and exit 0', async () => {
    const r = await exportCli('--entity', 'Invoices', '--filter', 'status=paid', '--filter', 'createdAfter=2026-01-01', '--format', 'csv', '--out', 'paid.csv');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^COMPLETED: export job [0-9a-f-]{36}, 1 row saved to paid\.csv \(\d+ B\)$/m);
    const rows = parseCsv(read('paid.csv'));
    expect(rows[0]).toEqual(['number', 'customer_email', 'customer_name', 'amount', 'currency', 'issued_at', 'status']);
    // Formula protection stays on by default: the CLI sends only what it was asked for.
    expect(rows.slice(1)).toEqual([['INV-3', '', `'=HYPERLINK("x")`, '7.00', '', '', 'paid']]);
  });

  it('should take a list of statuses, columns, JSONL and --gzip', async () => {
    const r = await exportCli(
      '--entity',
      'invoices',
      '--filter',
      'status=paid,open',
      '--columns',
      'number,status',
      '--format',
      'JSONL',
      '--gzip',
      '--out',
      'some.jsonl.gz',
    );
    expect(r.code).toBe(0);
    const lines = parseJsonl(gunzipSync(read('some.jsonl.gz')).toString('utf8'));
    expect(lines.map((l) => l.number).sort()).toEqual(['INV-1', 'INV-2', 'INV-3']);
    expect(Object.keys(lines[0])).toEqual(['number', 'status']);
  });

  it('should exit 1 with the server’s message for a column that does not exist, writing no file', async () => {
    const r = await exportCli('--entity', 'invoices', '--columns', 'number,colour', '--out', 'never.csv');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: unknown column 'colour' for INVOICES; valid columns: number, .* \(BAD_USER_INPUT\)\n$/);
    expect(fs.existsSync(path.join(dir, 'never.csv'))).toBe(false);
  });

  it('should refuse an unknown filter before contacting the server', async () => {
    const jobsBefore = await allJobIds(t.url, token);
    const r = await exportCli('--entity', 'invoices', '--filter', 'colour=red', '--out', 'never.csv');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: unknown filter 'colour': use createdAfter, createdBefore, updatedAfter, status, tags or search\n\nusage: bulkport export/,
    );
    expect(await allJobIds(t.url, token)).toEqual(jobsBefore);
  });
});
