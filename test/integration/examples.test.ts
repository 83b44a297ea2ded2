import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCsv, CONTACTS_HEADER } from '../helpers/buildCsv.ts';
import { fetchJob } from '../helpers/graphqlClient.ts';
import { runCli } from '../helpers/runCli.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

/** The typed client example (examples/) run against the real server, as a partner would run it. */
let t: TestApp;
let dir: string;

beforeAll(async () => {
  // The example imports the client preset's output: generate it from the schema as typecheck does.
  execFileSync(path.resolve('node_modules/.bin/graphql-codegen'), ['--config', 'examples/codegen.ts'], { stdio: 'pipe' });
  t = await startTestApp();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkport-example-'));
});
afterAll(async () => {
  await t?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('examples/importContacts.ts', () => {
  it('should upload, follow the progress, list every row error and exit 2 when rows failed', async () => {
    const file = path.join(dir, 'contacts.csv');
    fs.writeFileSync(
      file,
      buildCsv([CONTACTS_HEADER, ['ann@example.com', 'Ann', '', '', '', ''], ['nope', 'Bob', '', '', '', ''], ['cy@example.com', 'Cy', '', '', '', '']]),
    );
    const r = await runCli([path.resolve('examples/importContacts.ts'), file], {
      command: [process.execPath, '--import', 'tsx'],
      env: { BULKPORT_URL: t.url, BULKPORT_TOKEN: await t.token('example') },
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(2);
    const id = /^job ([0-9a-f-]{36})$/m.exec(r.stdout)![1];
    expect(r.stdout).toMatch(/^COMPLETED 100\.0% 3\/3 rows$/m);
    expect(r.stdout).toContain('COMPLETED: 2 succeeded (2 inserted, 0 updated), 1 failed\n');
    expect(r.stdout).toContain("row 3 email INVALID_EMAIL: invalid email 'nope'\n");
    expect(await fetchJob(t.url, await t.token('example'), id)).toMatchObject({ status: 'COMPLETED', succeededRows: 2, failedRows: 1 });
  });
});
