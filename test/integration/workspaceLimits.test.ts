import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCsv, CONTACTS_HEADER, contactRow, validContactsCsv } from '../helpers/buildCsv.ts';
import { countContacts } from '../helpers/contactsTable.ts';
import { allRowErrors, CANCEL_JOB, gql, uploadImport, waitForJob } from '../helpers/graphqlClient.ts';
import { runCli } from '../helpers/runCli.ts';
import { storedFiles } from '../helpers/storedFiles.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';
import { withDatabase } from '../helpers/testDatabase.ts';

// Per-workspace limits as users and operators meet them: set with `cli workspace limits` (a real
// child process on the test's database), read with the `workspace` query, enforced by the real
// API and worker. Every quota case ends by checking workspace_usage against count(*).

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ chunkSize: 100, workerConcurrency: 3 });
});
afterAll(() => t?.stop());

const WORKSPACE_QUERY = `{ workspace { name maxConcurrentJobs maxUploadBytes runningJobs queuedJobs rows { entity rows maxRows } } }`;

/** `cli workspace limits --workspace NAME …` against the test's database; returns the printed JSON. */
async function cliLimits(workspace: string, ...options: string[]): Promise<any> {
  const r = await runCli(['workspace', 'limits', '--workspace', workspace, ...options], { env: { DATABASE_URL: t.databaseUrl } });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

async function start(token: string, csv: string, input: Record<string, unknown> = {}): Promise<string> {
  const r = await uploadImport(t.url, token, csv, input);
  expect(r.errors).toBeUndefined();
  return r.data.startImport.id;
}

/** The usage counter and count(*), per entity table, for a workspace: they must always agree. */
async function usageAndCount(workspace: string): Promise<{ usage: number; count: number }> {
  return withDatabase(t.databaseUrl, async (c) => {
    const { rows } = await c.query<{ usage: string | null; count: number }>(
      `SELECT (SELECT rows FROM workspace_usage u WHERE u.workspace_id = w.id AND u.entity = 'CONTACTS') AS usage,
              (SELECT count(*)::int FROM contacts c WHERE c.workspace_id = w.id) AS count
       FROM workspaces w WHERE w.name = $1`,
      [workspace],
    );
    return { usage: Number(rows[0].usage ?? 0), count: rows[0].count };
  });
}

/** Contacts n..n+count-1 with the given prefix, as one file. */
function contacts(prefix: string, count: number, from = 1): string {
  return buildCsv([[...CONTACTS_HEADER], ...Array.from({ length: count }, (_, i) => contactRow(from + i, prefix))]);
}

describe('cli workspace limits', () => {
  it('should set limits, print limits and usage as JSON, and put a default back with "default"', async () => {
    const token = await t.token('cli-ws');
    const set = await cliLimits('cli-ws', '--max-concurrent-jobs', '2', '--max-rows', 'contacts=500', '--max-upload-mb', '5');
    expect(set).toMatchObject({
      workspace: 'cli-ws',
      limits: { maxConcurrentJobs: 2, maxUploadBytes: 5 * 1024 * 1024, maxRows: { CONTACTS: 500, INVOICES: null } },
      usage: { runningJobs: 0, queuedJobs: 0, rows: { CONTACTS: 0, INVOICES: 0 } },
    });
    // A member sees the same through the API.
    const seen = await gql(t.url, token, WORKSPACE_QUERY);
    expect(seen.errors).toBeUndefined();
    expect(seen.data.workspace).toEqual({
      name: 'cli-ws',
      maxConcurrentJobs: 2,
      maxUploadBytes: 5 * 1024 * 1024,
      runningJobs: 0,
      queuedJobs: 0,
      rows: [
        { entity: 'CONTACTS', rows: 0, maxRows: 500 },
        { entity: 'INVOICES', rows: 0, maxRows: null },
      ],
    });
    const back = await cliLimits('cli-ws', '--max-rows', 'CONTACTS=default', '--max-concurrent-jobs', 'default');
    expect(back.limits).toMatchObject({ maxConcurrentJobs: 10, maxRows: { CONTACTS: null } });
    expect(back.own).toMatchObject({ maxConcurrentJobs: null, maxUploadBytes: 5 * 1024 * 1024, maxRows: {} });
    // Without options it only prints.
    expect(await cliLimits('cli-ws')).toEqual(back);
  });

  it('should refuse bad values with a usage message and exit 1', async () => {
    for (const args of [
      ['--max-rows', 'widgets=5'],
      ['--max-rows', 'contacts'],
      ['--max-concurrent-jobs', '0'],
      ['--max-upload-mb', '1.5'],
    ]) {
      const r = await runCli(['workspace', 'limits', '--workspace', 'cli-bad', ...args], { env: { DATABASE_URL: t.databaseUrl } });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error: .*\nusage:/);
    }
    const unknown = await runCli(['workspace', 'limits', '--workspace', 'never-made'], { env: { DATABASE_URL: t.databaseUrl } });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no workspace named 'never-made'");
  });
});

describe('concurrent jobs per workspace', () => {
  it('should keep further jobs QUEUED, start them in the order they came when a slot frees, and leave other workspaces alone', async () => {
    const token = await t.token('one-at-a-time');
    await cliLimits('one-at-a-time', '--max-concurrent-jobs', '1');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await start(token, validContactsCsv(3000, `seq${i}`)));
    // Another workspace is not held up by this one's limit.
    const otherToken = await t.token('unlimited-neighbour');
    const other = await start(otherToken, validContactsCsv(200, 'neighbour'));

    // Sample the workspace while it works: never two of its jobs RUNNING at once.
    let maxRunning = 0;
    let sawQueued = false;
    const sampling = (async () => {
      for (;;) {
        const w = (await gql(t.url, token, WORKSPACE_QUERY)).data.workspace;
        maxRunning = Math.max(maxRunning, w.runningJobs);
        if (w.queuedJobs > 0 && w.runningJobs === 1) sawQueued = true;
        if (w.runningJobs === 0 && w.queuedJobs === 0) return;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    expect(await waitForJob(t.url, otherToken, other)).toMatchObject({ status: 'COMPLETED', succeededRows: 200 });
    for (const id of ids) expect(await waitForJob(t.url, token, id, undefined, 120_000)).toMatchObject({ status: 'COMPLETED', succeededRows: 3000 });
    await sampling;
    expect(maxRunning).toBe(1);
    expect(sawQueued).toBe(true);

    // In order: each started after the one before it had completed.
    const times = await withDatabase(t.databaseUrl, (c) =>
      c.query<{ id: string; started: Date; completed: Date }>(
        `SELECT id, started_at AS started, completed_at AS completed FROM jobs WHERE id = ANY($1) ORDER BY created_at`,
        [ids],
      ),
    );
    expect(times.rows.map((r) => r.id)).toEqual(ids);
    for (let i = 1; i < times.rows.length; i++) expect(times.rows[i].started.getTime()).toBeGreaterThanOrEqual(times.rows[i - 1].completed.getTime());
  }, 180_000);
});

describe('upload size per workspace', () => {
  it('should refuse a file over the workspace limit while streaming, with FILE_TOO_LARGE, no job and no file left', async () => {
    const token = await t.token('small-uploads');
    await cliLimits('small-uploads', '--max-upload-mb', '1');
    const csv = validContactsCsv(30_000, 'big-upload'); // about 2 MB
    expect(Buffer.byteLength(csv)).toBeGreaterThan(1024 * 1024);
    const before = storedFiles(t.app.services.config.storageDir);
    const r = await uploadImport(t.url, token, csv);
    expect(r.errors?.[0]).toMatchObject({
      message: expect.stringContaining("your workspace's 1 MB upload limit (set per workspace)"),
      extensions: { code: 'BAD_USER_INPUT', reason: 'FILE_TOO_LARGE', maxBytes: 1024 * 1024 },
    });
    const jobs = await gql(t.url, token, `{ jobs { nodes { id } } }`);
    expect(jobs.data.jobs.nodes).toEqual([]);
    expect(storedFiles(t.app.services.config.storageDir)).toEqual(before);
    // A file under the limit is accepted.
    expect(await waitForJob(t.url, token, await start(token, validContactsCsv(100, 'small-upload')))).toMatchObject({
      status: 'COMPLETED',
      succeededRows: 100,
    });
  });
});

describe('rows per entity', () => {
  it('should import up to the quota and fail the rest with QUOTA_EXCEEDED, exactly, when two imports race', async () => {
    const token = await t.token('quota-race');
    await cliLimits('quota-race', '--max-rows', 'contacts=1000');
    // 2 × 800 new rows in chunks of 100, merged in parallel: exactly 1000 may land.
    const [a, b] = await Promise.all([start(token, contacts('racer-a', 800)), start(token, contacts('racer-b', 800))]);
    const [ja, jb] = [await waitForJob(t.url, token, a, undefined, 120_000), await waitForJob(t.url, token, b, undefined, 120_000)];
    for (const j of [ja, jb]) expect(j).toMatchObject({ status: 'COMPLETED', processedRows: 800 });
    expect(ja.succeededRows + jb.succeededRows).toBe(1000);
    expect(ja.failedRows + jb.failedRows).toBe(600);
    expect(await usageAndCount('quota-race')).toEqual({ usage: 1000, count: 1000 });

    // Every refused row is reported, with its row number, column, code and key.
    const errors = [...(await allRowErrors(t.url, token, a)), ...(await allRowErrors(t.url, token, b))];
    expect(errors).toHaveLength(600);
    for (const e of errors) expect(e).toMatchObject({ column: 'email', code: 'QUOTA_EXCEEDED', message: expect.stringContaining('at most 1000 contacts') });

    // Full: updates of rows it holds still work (they are not new rows); new rows do not.
    const update = buildCsv([[...CONTACTS_HEADER], [...contactRow(1, 'racer-a').slice(0, 4), 'Updated Co', '']]);
    const updated = await waitForJob(t.url, token, await start(token, update, { duplicateStrategy: 'UPDATE' }));
    const fresh = await waitForJob(t.url, token, await start(token, contacts('late', 5)));
    expect(updated).toMatchObject({ status: 'COMPLETED', succeededRows: 1, failedRows: 0 });
    expect(fresh).toMatchObject({ status: 'COMPLETED', succeededRows: 0, failedRows: 5 });
    expect((await gql(t.url, token, WORKSPACE_QUERY)).data.workspace.rows[0]).toEqual({ entity: 'CONTACTS', rows: 1000, maxRows: 1000 });
  }, 180_000);

  it('should report in a dry run the QUOTA_EXCEEDED rows the import would have, across chunks, and count nothing', async () => {
    const token = await t.token('quota-dry');
    await cliLimits('quota-dry', '--max-rows', 'contacts=250');
    const dry = await waitForJob(t.url, token, await start(token, contacts('dry', 400), { dryRun: true }));
    expect(dry).toMatchObject({ status: 'COMPLETED', succeededRows: 250, failedRows: 150 });
    expect(await usageAndCount('quota-dry')).toEqual({ usage: 0, count: 0 });
    const real = await waitForJob(t.url, token, await start(token, contacts('dry', 400)));
    expect(real).toMatchObject({ status: 'COMPLETED', succeededRows: 250, failedRows: 150 });
    expect(await usageAndCount('quota-dry')).toEqual({ usage: 250, count: 250 });
  });

  it('should keep usage equal to count(*) after a cancelled import and after a revert', async () => {
    const token = await t.token('quota-cancel');
    await cliLimits('quota-cancel', '--max-rows', 'contacts=100000');
    const id = await start(token, contacts('cancelled', 20_000));
    // Cancel once some chunks have merged, while others have not.
    for (;;) {
      const { count } = await usageAndCount('quota-cancel');
      if (count > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const cancelled = await gql(t.url, token, CANCEL_JOB, { id });
    expect(cancelled.errors).toBeUndefined();
    expect(await waitForJob(t.url, token, id)).toMatchObject({ status: 'CANCELLED' });
    const afterCancel = await usageAndCount('quota-cancel');
    expect(afterCancel.usage).toBe(afterCancel.count);
    expect(afterCancel.count).toBeLessThan(20_000);

    const kept = await waitForJob(t.url, token, await start(token, contacts('kept', 300)));
    expect(kept).toMatchObject({ status: 'COMPLETED', succeededRows: 300 });
    const revert = await gql(t.url, token, `mutation($id: ID!) { revertImport(id: $id) { id } }`, { id: kept.id });
    expect(revert.errors).toBeUndefined();
    expect(await waitForJob(t.url, token, revert.data.revertImport.id)).toMatchObject({ status: 'COMPLETED' });
    expect(await usageAndCount('quota-cancel')).toEqual(afterCancel);
    expect(await countContacts(t.databaseUrl, 'quota-cancel')).toBe(afterCancel.count);
  }, 120_000);
});
