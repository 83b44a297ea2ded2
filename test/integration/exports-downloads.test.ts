import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadPath } from '../../src/exports/downloadLinks.ts';
import { download, exportAndWait, fetchExportJob, startExport, withParam } from '../helpers/exportClient.ts';
import { gql, waitForJob } from '../helpers/graphqlClient.ts';
import { insertContacts, workspaceIdOf } from '../helpers/seedTables.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';
import { withDatabase } from '../helpers/testDatabase.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The link with its /files/<jobId> segment replaced, query string kept. */
function withJobId(link: string, jobId: string): string {
  const u = new URL(link);
  u.pathname = u.pathname.replace(/[^/]+$/, jobId);
  return u.toString();
}

/** A refusal carries no byte of the file. */
function expectRefused(res: { status: number; body: Buffer }): void {
  expect(res.status).toBe(403);
  expect(res.body.toString('utf8')).not.toContain('@owner.example');
}

const SEED = [
  { email: 'a@owner.example', first_name: 'Ann' },
  { email: 'b@owner.example', first_name: 'Bob' },
];

describe('download links', () => {
  let t: TestApp;
  let token: string;
  let strangerToken: string;
  let job: any;

  beforeAll(async () => {
    t = await startTestApp();
    token = await t.token('owner');
    strangerToken = await t.token('stranger');
    await insertContacts(t.databaseUrl, 'owner', SEED);
    job = await exportAndWait(t.url, token, { entity: 'CONTACTS' });
    expect(job.status).toBe('COMPLETED');
  });
  afterAll(() => t?.stop());

  it('should serve a completed export with its Content-Type, an attachment Content-Disposition with a safe file name, and an exact Content-Length', async () => {
    const res = await download(job.downloadUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="[A-Za-z0-9._-]+\.csv"$/);
    expect(res.headers.get('content-length')).toBe(String(res.body.length));
    expect(res.body.toString('utf8')).toContain('a@owner.example');

    const jsonl = await exportAndWait(t.url, token, { entity: 'CONTACTS', format: 'JSONL', gzip: true });
    const zipped = await download(jsonl.downloadUrl);
    expect(zipped.status).toBe(200);
    expect(zipped.headers.get('content-type')).toBe('application/gzip');
    expect(zipped.headers.get('content-disposition')).toMatch(/^attachment; filename="[A-Za-z0-9._-]+\.jsonl\.gz"$/);
    expect(zipped.headers.get('content-length')).toBe(String(zipped.body.length));
  });

  it('should give an export no downloadUrl until it has completed', async () => {
    const started = await startExport(t.url, token, { entity: 'CONTACTS' });
    expect(started.status).toBe('QUEUED');
    expect(started.downloadUrl).toBeNull();
    expect(started.downloadExpiresAt).toBeNull();
    expect((await waitForJob(t.url, token, started.id)).status).toBe('COMPLETED');
  });

  it('should answer 403 to a link whose signature was tampered with or removed', async () => {
    const sig = new URL(job.downloadUrl).searchParams.get('sig')!;
    const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    expectRefused(await download(withParam(job.downloadUrl, 'sig', flipped)));
    expectRefused(await download(withParam(job.downloadUrl, 'sig', sig.slice(0, -1))));
    expectRefused(await download(withParam(job.downloadUrl, 'sig', '')));
    // The original still works: only the tampering was refused.
    expect((await download(job.downloadUrl)).status).toBe(200);
  });

  it('should answer 403 to a link whose expiry was pushed back', async () => {
    const expires = Number(new URL(job.downloadUrl).searchParams.get('expires'));
    expectRefused(await download(withParam(job.downloadUrl, 'expires', String(expires + 86_400))));
  });

  it('should answer 403 to a link pointed at another job, even another completed export of the same workspace', async () => {
    const other = await exportAndWait(t.url, token, { entity: 'CONTACTS', columns: ['email'] });
    expect((await download(other.downloadUrl)).status).toBe(200);
    expectRefused(await download(withJobId(job.downloadUrl, other.id)));
    expectRefused(await download(withJobId(job.downloadUrl, randomUUID())));
    expectRefused(await download(withJobId(job.downloadUrl, 'not-a-job-id')));
  });

  it('should answer 403 to a correctly signed link whose expiry has passed', async () => {
    const secret = await withDatabase(t.databaseUrl, async (c) => (await c.query(`SELECT value FROM app_secrets WHERE name = 'download_links'`)).rows[0].value);
    const workspaceId = await workspaceIdOf(t.databaseUrl, 'owner');
    const origin = new URL(t.url).origin;
    const now = Math.floor(Date.now() / 1000);
    // A link signed the way the API signs them works while it is valid: the 403 below is the expiry's doing.
    const valid = origin + downloadPath(secret, { jobId: job.id, workspaceId, expires: now + 600 });
    expect((await download(valid)).status).toBe(200);
    const expired = origin + downloadPath(secret, { jobId: job.id, workspaceId, expires: now - 60 });
    expectRefused(await download(expired));
  });

  it("should answer 403 when the request carries another workspace's token, and 200 with the owner's", async () => {
    expectRefused(await download(job.downloadUrl, strangerToken));
    expect((await download(job.downloadUrl, token)).status).toBe(200);
    // Nor can the other workspace obtain a link.
    expect((await gql(t.url, strangerToken, `query($id: ID!) { job(id: $id) { id downloadUrl } }`, { id: job.id })).data.job).toBeNull();
  });

  it('should serve byte ranges with ETag and Last-Modified, so a broken download resumes (curl -C -)', async () => {
    const full = await download(job.downloadUrl);
    const etag = full.headers.get('etag')!;
    expect(full.headers.get('accept-ranges')).toBe('bytes');
    expect(etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect(Date.parse(full.headers.get('last-modified')!)).not.toBeNaN();
    const size = full.body.length;

    const part = await fetch(job.downloadUrl, { headers: { range: 'bytes=10-39' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 10-39/${size}`);
    expect(part.headers.get('content-length')).toBe('30');
    expect(Buffer.from(await part.arrayBuffer())).toEqual(full.body.subarray(10, 40));
    // The rest of the file from an offset, as a resuming client asks, with If-Range naming what it has.
    const rest = await fetch(job.downloadUrl, { headers: { range: 'bytes=25-', 'if-range': etag } });
    expect(rest.status).toBe(206);
    expect(Buffer.from(await rest.arrayBuffer())).toEqual(full.body.subarray(25));
    // A client holding another version gets the whole file, not a piece of this one.
    const stale = await fetch(job.downloadUrl, { headers: { range: 'bytes=25-', 'if-range': '"0-0"' } });
    expect(stale.status).toBe(200);
    expect(Buffer.from(await stale.arrayBuffer())).toEqual(full.body);
    const unsatisfiable = await fetch(job.downloadUrl, { headers: { range: `bytes=${size + 10}-` } });
    expect(unsatisfiable.status).toBe(416);
    expect(unsatisfiable.headers.get('content-range')).toBe(`bytes */${size}`);
    // Ranges do not bypass the signature.
    expect((await fetch(withParam(job.downloadUrl, 'sig', 'x'.repeat(64)), { headers: { range: 'bytes=0-9' } })).status).toBe(403);

    // curl resumes a file cut off after 17 bytes and ends with exactly the export.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkport-resume-'));
    try {
      const out = path.join(dir, 'export.csv');
      fs.writeFileSync(out, full.body.subarray(0, 17));
      // Asynchronously: the server answering curl runs in this very process.
      await promisify(execFile)('curl', ['-sS', '-f', '-C', '-', '-o', out, job.downloadUrl]);
      expect(fs.readFileSync(out)).toEqual(full.body);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('should issue a fresh link with a later expiry each time job(id) is queried after time has passed', async () => {
    const first = await fetchExportJob(t.url, token, job.id);
    await sleep(1_100); // expiries have a resolution of one second
    const second = await fetchExportJob(t.url, token, job.id);
    expect(new Date(second.downloadExpiresAt).getTime()).toBeGreaterThan(new Date(first.downloadExpiresAt).getTime());
    expect(second.downloadUrl).not.toBe(first.downloadUrl);
    expect(new URL(second.downloadUrl).searchParams.get('expires')).toBe(String(new Date(second.downloadExpiresAt).getTime() / 1000));
    expect((await download(first.downloadUrl)).status).toBe(200);
    expect((await download(second.downloadUrl)).status).toBe(200);
  });
});

describe('download links with a one-second lifetime', () => {
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    t = await startTestApp({ downloadLinkTtlSeconds: 1 });
    token = await t.token('owner');
    await insertContacts(t.databaseUrl, 'owner', SEED);
  });
  afterAll(() => t?.stop());

  it('should refuse a link once it has expired and let job(id) issue a fresh one that works', async () => {
    const job = await exportAndWait(t.url, token, { entity: 'CONTACTS' });
    expect(job.status).toBe('COMPLETED');
    await sleep(2_100);
    expectRefused(await download(job.downloadUrl));

    const again = await fetchExportJob(t.url, token, job.id);
    expect(new Date(again.downloadExpiresAt).getTime()).toBeGreaterThan(new Date(job.downloadExpiresAt).getTime());
    const res = await download(again.downloadUrl);
    expect(res.status).toBe(200);
    expect(res.body.toString('utf8')).toContain('b@owner.example');
  });
});
