import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateContactsCsv } from '../../bench/generateContacts.ts';
import { buildCsv, CONTACTS_HEADER, validContactsCsv } from '../helpers/buildCsv.ts';
import { countContacts } from '../helpers/contactsTable.ts';
import { parse } from 'csv-parse/sync';
import { contactsOf } from '../helpers/contactsTable.ts';
import { allJobIds, fetchJob, gql, waitForJob } from '../helpers/graphqlClient.ts';
import { closedPort, startNoUpgradeProxy } from '../helpers/noUpgradeProxy.ts';
import { CLI_BIN, runCli, spawnCli, type CliOptions } from '../helpers/runCli.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

/**
 * `bulkport import` run as a partner runs it: the package's bin as a child process, from another
 * directory, against the real server over its public API. stdout is a pipe here (not a terminal)
 * unless a test gives it one with script(1).
 */
let t: TestApp;
let dir: string;
let token: string;
const ANSI_OR_CR = /[\r\u001b]/;
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const env = (over: Record<string, string> = {}) => ({ BULKPORT_URL: t.url, BULKPORT_TOKEN: token, ...over });
const importCli = (args: string[], opts: CliOptions = {}) => runCli(['import', ...args], { cwd: dir, env: env(), ...opts });
const write = (name: string, content: string) => fs.writeFileSync(path.join(dir, name), content);

beforeAll(async () => {
  // Small chunks: a 200,000-row import runs long enough to be interrupted.
  t = await startTestApp({ chunkSize: 1000 });
  token = await t.token('partner');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkport-cli-'));
  write('clean.csv', validContactsCsv(3, 'clean'));
  write(
    'bad-rows.csv',
    buildCsv([CONTACTS_HEADER, ['ok@example.com', 'Ok', '', '', '', ''], ['not-an-email', 'Bob', '', '', '', ''], ['cid@example.com', '', '', '', '', '']]),
  );
  write('no-email.csv', 'first_name,last_name\nAnn,Lee\n');
  await generateContactsCsv(path.join(dir, 'big.csv'), 200_000, { seed: 11 });
});
afterAll(async () => {
  await t?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('bulkport import', () => {
  it('should import a clean file, print plain progress lines and the summary, and exit 0', async () => {
    const r = await importCli(['clean.csv', '--entity', 'contacts']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(ANSI_OR_CR);
    expect(r.stdout).toMatch(new RegExp(`^import job ${UUID} started; following it \\(Ctrl-C to cancel\\)$`, 'm'));
    expect(r.stdout).toMatch(/^progress: COMPLETED 100\.0% {2}3\/3 rows {2}[\d,]+ rows\/s {2}ETA 0s$/m);
    expect(r.stdout).toMatch(new RegExp(`^COMPLETED: import job ${UUID} \\(clean\\.csv\\)$`, 'm'));
    expect(r.stdout).toContain('  3 rows processed: 3 succeeded (3 inserted, 0 updated, 0 unchanged), 0 failed\n');
    expect(await countContacts(t.databaseUrl, 'partner')).toBeGreaterThanOrEqual(3);
  });

  it('should read entity and strategy in any case (Contacts, UPDATE)', async () => {
    write('changed.csv', validContactsCsv(3, 'clean').replace('First1', 'Changed'));
    const r = await importCli(['changed.csv', '--entity', 'Contacts', '--strategy', 'UPDATE']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('  3 rows processed: 3 succeeded (0 inserted, 1 updated, 2 unchanged), 0 failed\n');
  });

  it('should exit 2 when rows failed, and print the first row errors', async () => {
    const r = await importCli(['bad-rows.csv', '--entity', 'contacts', '--show-errors', '1']);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(new RegExp(`^COMPLETED with 2 failed rows: import job ${UUID} \\(bad-rows\\.csv\\)$`, 'm'));
    expect(r.stdout).toContain('  3 rows processed: 1 succeeded (1 inserted, 0 updated, 0 unchanged), 2 failed\n');
    expect(r.stdout).toMatch(/^ {2}first row errors \(1 of 2\):\n {4}row 3 {2}email {2}INVALID_EMAIL {2}invalid email 'not-an-email'\n/m);
    expect(r.stdout).toMatch(/^ {2}all of them: job\(id: "[0-9a-f-]+"\) \{ errors\(first, after\)/m);
  });

  it('should exit 1 when the job FAILED (a required column is missing), and say why', async () => {
    const r = await importCli(['no-email.csv', '--entity', 'contacts']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^FAILED: import job ${UUID} \\(no-email\\.csv\\)\\n {2}reason: missing required column 'email'`, 'm'));
  });

  it('should exit 1 with a clear error when no token is given, starting nothing', async () => {
    const jobsBefore = await allJobIds(t.url, token);
    const r = await runCli(['import', 'clean.csv', '--entity', 'contacts'], { cwd: dir, env: { BULKPORT_URL: t.url } });
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toBe('error: no API token: pass --token TOKEN or set BULKPORT_TOKEN (an operator creates one with: cli token create --workspace NAME)\n');
    expect(await allJobIds(t.url, token)).toEqual(jobsBefore);
  });

  it('should exit 1 when the server refuses the token, and when it cannot be reached', async () => {
    const refused = await importCli(['clean.csv', '--entity', 'contacts', '--token', `bp_${'x'.repeat(43)}`]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: the server refused the API token \(it is unknown, expired or revoked\)/);

    const url = `http://127.0.0.1:${await closedPort()}/graphql`;
    const unreachable = await importCli(['clean.csv', '--entity', 'contacts', '--url', url]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(new RegExp(`^error: cannot reach ${url}: connect ECONNREFUSED`));
  });

  it('should follow the job by polling when a proxy refuses the WebSocket', async () => {
    const proxy = await startNoUpgradeProxy(t.url);
    try {
      const r = await runCli(['import', 'clean.csv', '--entity', 'contacts'], { cwd: dir, env: env({ BULKPORT_URL: proxy.url }) });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^live progress unavailable \(.+\); polling job\(id\) every second$/m);
      expect(r.stdout).toMatch(/^progress: COMPLETED 100\.0% {2}3\/3 rows/m);
      expect(r.stdout).toContain('  3 rows processed: 3 succeeded (0 inserted, 0 updated, 3 unchanged), 0 failed\n');
    } finally {
      await proxy.close();
    }
  });

  it('should print --help with the defaults and the exit codes', async () => {
    const r = await runCli(['import', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('default: $BULKPORT_URL, else http://localhost:4000/graphql');
    expect(r.stdout).toMatch(/exit codes:\n {2}0 .*\n {2}1 .*FAILED or was CANCELLED/);
    expect(r.stdout).toMatch(/^ {2}2 {2}the import COMPLETED but some rows failed/m);
  });
});

describe('bulkport import with a saved mapping and the failed-rows file', () => {
  const SAVE = `mutation($input: SaveMappingInput!) { saveMapping(input: $input) { id } }`;

  it('should import foreign headers with --mapping NAME, and refuse an unknown NAME starting nothing', async () => {
    const saved = await gql(t.url, token, SAVE, {
      input: {
        name: 'Kunden-Export',
        entity: 'CONTACTS',
        mapping: [
          { column: 'Vorname', field: 'first_name' },
          { column: 'Nachname', field: 'last_name' },
        ],
      },
    });
    expect(saved.errors).toBeUndefined();
    write(
      'kunden.csv',
      buildCsv([
        ['E-mail', 'Vorname', 'Nachname'],
        ['cli-k1@example.com', 'Karl', 'Klein'],
        ['cli-k2@example.com', 'Karla', 'Groß'],
      ]),
    );
    const r = await importCli(['kunden.csv', '--entity', 'contacts', '--mapping', 'Kunden-Export']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('  2 rows processed: 2 succeeded (2 inserted, 0 updated, 0 unchanged), 0 failed\n');
    expect((await contactsOf(t.databaseUrl, 'partner')).get('cli-k2@example.com')).toMatchObject({ first_name: 'Karla', last_name: 'Groß' });

    const jobsBefore = await allJobIds(t.url, token);
    const unknown = await importCli(['kunden.csv', '--entity', 'contacts', '--mapping', 'Gibt-es-nicht']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no saved mapping named 'Gibt-es-nicht' for CONTACTS in this workspace");
    expect(await allJobIds(t.url, token)).toEqual(jobsBefore);
  });

  it('should save the failed rows with --failed-rows OUT.csv, and import the fixed file with exit 0', async () => {
    write(
      'kunden-bad.csv',
      buildCsv([
        ['E-mail', 'Vorname', 'Nachname'],
        ['cli-f1@example.com', 'Frida', 'Fehlerfrei'],
        ['cli-f2 at example.com', 'Fritz', 'Falsch'],
        ['cli-f3@example.com', '', 'Ohne'],
      ]),
    );
    const r = await importCli(['kunden-bad.csv', '--entity', 'contacts', '--mapping', 'Kunden-Export', '--failed-rows', 'failed.csv']);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^saved the 2 failed rows to failed\.csv \(\d+ B\)$/m);
    const cells = parse(fs.readFileSync(path.join(dir, 'failed.csv')), { bom: true }) as string[][];
    expect(cells.map((c) => c.slice(0, 4))).toEqual([
      ['E-mail', 'Vorname', 'Nachname', 'row'],
      ['cli-f2 at example.com', 'Fritz', 'Falsch', '3'],
      ['cli-f3@example.com', '', 'Ohne', '4'],
    ]);

    write(
      'fixed.csv',
      buildCsv([cells[0], ['cli-f2@example.com', 'Fritz', 'Falsch', '3', cells[1][4]], ['cli-f3@example.com', 'Olga', 'Ohne', '4', cells[2][4]]]),
    );
    const again = await importCli(['fixed.csv', '--entity', 'contacts', '--mapping', 'Kunden-Export', '--failed-rows', 'failed-again.csv']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('  2 rows processed: 2 succeeded (2 inserted, 0 updated, 0 unchanged), 0 failed\n');
    expect(again.stdout).toContain('no failed rows: failed-again.csv not written\n');
    expect(fs.existsSync(path.join(dir, 'failed-again.csv'))).toBe(false);
    expect((await contactsOf(t.databaseUrl, 'partner')).get('cli-f3@example.com')).toMatchObject({ first_name: 'Olga' });
  });
});

describe('Ctrl-C during an import', () => {
  it('without a terminal: the first Ctrl-C cancels the job, the CLI follows it to CANCELLED and exits 1', async () => {
    const cli = spawnCli(['import', 'big.csv', '--entity', 'contacts', '--progress-interval', '0.2'], { cwd: dir, env: env() });
    // Rows are being committed: a RUNNING line with a processed count above zero.
    await cli.waitForOutput(/^progress: RUNNING .*% {2}[1-9][\d,]*\/[\d,?]+ rows/m);
    const id = new RegExp(`import job (${UUID}) started`).exec(cli.stdout())![1];
    cli.child.kill('SIGINT');
    const r = await cli.done;
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`cancelling job ${id}… (Ctrl-C again to exit without waiting)\n`);
    expect(r.stdout).toMatch(new RegExp(`^CANCELLED: import job ${id} \\(big\\.csv\\)$`, 'm'));
    const job = await fetchJob(t.url, token, id);
    expect(job.status).toBe('CANCELLED');
    expect(job.processedRows).toBeLessThan(200_000);
    expect(r.stdout).toContain(`  ${job.processedRows.toLocaleString('en-US')} rows processed:`);
  });

  it('on a terminal: draws a bar with rows/s and ETA, asks on Ctrl-C, and cancels on y', async () => {
    // script(1) gives the CLI a pseudo-terminal; what we write to its stdin is typed on that terminal.
    const command = `exec '${process.execPath}' '${CLI_BIN}' import big.csv --entity contacts --strategy update`;
    const cli = spawnCli([], { cwd: dir, env: env(), command: ['script', '-qfec', command, '/dev/null'] });
    await cli.waitForOutput(/RUNNING +\[[█░]{30}\] \d+% \| [1-9][\d,]*\/[\d,?]+ rows \| [\d,]+ rows\/s \| ETA \w+/);
    cli.child.stdin!.write('\u0003');
    await cli.waitForOutput(new RegExp(`Cancel job ${UUID} on the server\\? \\[y/N\\] `));
    const id = new RegExp(`Cancel job (${UUID})`).exec(cli.stdout())![1];
    cli.child.stdin!.write('y\r');
    const r = await cli.done;
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`CANCELLED: import job ${id} \\(big\\.csv\\)`));
    expect((await waitForJob(t.url, token, id)).status).toBe('CANCELLED');
  });
});
