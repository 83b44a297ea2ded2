import fs from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCsv, contactRow, CONTACTS_HEADER, validContactsCsv } from '../helpers/buildCsv.ts';
import { faultyContactsCsv, importOutcome, type ImportOutcome } from '../helpers/faultImport.ts';
import { uploadImport, waitForJob } from '../helpers/graphqlClient.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

// A file of at least PARSE_THREAD_MIN_BYTES is parsed in a worker thread (parseInThread.ts), a
// smaller one in the stage task itself. Both must end exactly alike, whatever the file: counts,
// every row error, every stored row, and the reason a file is refused. Here one app parses every
// file in a thread (0) and the other none, on the same files.
let threaded: TestApp;
let inline: TestApp;

beforeAll(async () => {
  [threaded, inline] = await Promise.all([
    startTestApp({ chunkSize: 500, parseThreadMinBytes: 0 }),
    startTestApp({ chunkSize: 500, parseThreadMinBytes: Number.MAX_SAFE_INTEGER }),
  ]);
});
afterAll(() => Promise.all([threaded?.stop(), inline?.stop()]));

async function importInto(
  t: TestApp,
  workspace: string,
  file: string | Buffer,
  input: Record<string, unknown> = {},
): Promise<{ job: any; outcome: ImportOutcome }> {
  const token = await t.token(workspace);
  const r = await uploadImport(t.url, token, file, input);
  expect(r.errors).toBeUndefined();
  const job = await waitForJob(t.url, token, r.data.startImport.id, undefined, 120_000);
  return { job, outcome: await importOutcome(t.databaseUrl, job.id) };
}

/** The same import in both apps, in workspaces of the same name. */
async function both(workspace: string, file: string | Buffer, input: Record<string, unknown> = {}) {
  const [a, b] = await Promise.all([importInto(threaded, workspace, file, input), importInto(inline, workspace, file, input)]);
  return { threaded: a, inline: b };
}

describe('files parsed in a thread of their own', () => {
  it('should end exactly as a file parsed in the task does, bad rows and far-apart duplicates included', async () => {
    const r = await both('faulty', faultyContactsCsv(6_000));
    expect(r.threaded.job.status).toBe('COMPLETED');
    expect(r.threaded.outcome).toEqual(r.inline.outcome);
    expect(r.threaded.outcome.rowCount).toBeGreaterThan(5_000);
    expect(r.threaded.outcome.errors.some((e) => e.endsWith('|DUPLICATE_IN_FILE'))).toBe(true);
    expect(r.threaded.outcome.errors.some((e) => e.endsWith('|INVALID_EMAIL'))).toBe(true);
  }, 180_000);

  it('should switch to merging at the first existing key, as the task does (the thread then cuts staging chunks)', async () => {
    // Rows 2,501–3,000 exist already: chunks before them go in directly, the rest are merged.
    const existing = Array.from({ length: 500 }, (_, i) => contactRow(2_501 + i, 'fault'));
    for (const row of existing) row[1] = `Before ${row[1]}`; // the file changes them: updated, not unchanged
    await both('switch', buildCsv([CONTACTS_HEADER, ...existing]));
    const r = await both('switch', faultyContactsCsv(6_000), { duplicateStrategy: 'UPDATE' });
    expect(r.threaded.job.status).toBe('COMPLETED');
    expect(r.threaded.outcome).toEqual(r.inline.outcome);
    expect(r.threaded.outcome.counts.updated_rows).toBeGreaterThan(0);
  }, 180_000);

  it('should decode UTF-16 and Windows-1252 files in the thread exactly as in the task', async () => {
    const people = Array.from({ length: 1_200 }, (_, i) => contactRow(i + 1, 'enc'));
    people[7]![1] = 'Zoë'; // ë, ñ, ü: two bytes in UTF-8, one in Windows-1252
    people[8]![2] = 'Müller-Señor';
    const text = buildCsv([CONTACTS_HEADER, ...people]);
    for (const [workspace, file, encoding] of [
      ['utf16', Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(text, 'utf-16le')]), undefined],
      ['cp1252', iconv.encode(text, 'windows-1252'), 'WINDOWS-1252'],
    ] as const) {
      const r = await both(workspace, file, encoding ? { encoding } : {});
      expect(r.threaded.job.status, workspace).toBe('COMPLETED');
      expect(r.threaded.outcome, workspace).toEqual(r.inline.outcome);
      expect(r.threaded.outcome.rowCount, workspace).toBe(1_200);
    }
    const utf8 = await importInto(threaded, 'utf8', text);
    expect(utf8.outcome.rowsDigest).toBe((await importInto(threaded, 'utf16', text)).outcome.rowsDigest);
  }, 180_000);

  it('should refuse a file for the same reason as the task does', async () => {
    for (const [workspace, file] of [
      ['zip', Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(200, 7)])],
      ['header', 'email,surname\na@example.com,Smith\n'],
      ['quote', '"email,first_name\n'],
    ] as const) {
      const [a, b] = await Promise.all(
        [threaded, inline].map(async (t) => {
          const token = await t.token(workspace);
          const r = await uploadImport(t.url, token, file);
          if (r.errors) return { refusedAtStart: r.errors[0].extensions?.code };
          const job = await waitForJob(t.url, token, r.data.startImport.id);
          return { status: job.status, failureReason: job.failureReason };
        }),
      );
      expect(a, workspace).toEqual(b);
    }
  });

  it('should fail an import whose stored file has disappeared, on its first attempt', async () => {
    const t = await startTestApp({ chunkSize: 500, parseThreadMinBytes: 0 }, 'api');
    try {
      const token = await t.token('missing');
      const r = await uploadImport(t.url, token, validContactsCsv(50));
      const id: string = r.data.startImport.id;
      const stored = path.join(t.app.services.config.storageDir, 'uploads');
      for (const f of fs.readdirSync(stored, { recursive: true }) as string[]) if (f.includes(id)) fs.rmSync(path.join(stored, f));
      await t.startWorker();
      const ended = await waitForJob(t.url, token, id);
      expect(ended).toMatchObject({ status: 'FAILED', processedRows: 0 });
      expect(ended.failureReason).toMatch(/no longer exists in storage/);
    } finally {
      await t.stop();
    }
  });

  it("should leave no esbuild process behind once the thread's code is built", async () => {
    // The first threaded import above built the thread's code; esbuild's service process must be gone.
    expect((await importInto(threaded, 'no-esbuild', validContactsCsv(10, 'esb'))).job.status).toBe('COMPLETED');
    const esbuildChildren = () =>
      fs
        .readdirSync('/proc')
        .filter((pid) => /^\d+$/.test(pid))
        .filter((pid) => {
          try {
            const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
            const field = (name: string) => status.match(new RegExp(`^${name}:\\s+(\\S+)`, 'm'))?.[1];
            return field('PPid') === String(process.pid) && field('Name') === 'esbuild' && field('State') !== 'Z';
          } catch {
            return false; // it ended while we looked
          }
        });
    await expect.poll(esbuildChildren, { timeout: 5_000 }).toEqual([]);
  });
});
