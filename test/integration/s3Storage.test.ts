import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultyContactsCsv, importOutcome } from '../helpers/faultImport.ts';
import { gql, uploadImport, waitForJob } from '../helpers/graphqlClient.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

// s3rver is an S3-compatible server in Node: the S3 store is exercised over real HTTP with real SigV4.
let s3: S3rver;
let dir: string;
let t: TestApp;
let token: string;
let s3Settings: Parameters<typeof startTestApp>[0];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkport-s3-'));
  s3 = new S3rver({ port: 0, address: '127.0.0.1', directory: dir, silent: true, configureBuckets: [{ name: 'bulkport', configs: [] }] });
  const { port } = await s3.run();
  s3Settings = {
    s3Bucket: 'bulkport',
    s3Endpoint: `http://127.0.0.1:${port}`,
    s3ForcePathStyle: true,
    s3AccessKeyId: 'S3RVER',
    s3SecretAccessKey: 'S3RVER',
    s3Prefix: 'test/',
  };
  t = await startTestApp(s3Settings);
  token = await t.token('acme');
});
afterAll(async () => {
  await t?.stop();
  await s3?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('S3-compatible storage', () => {
  it('should parse a file read from S3 in a parse thread (fed by the task while it commits) exactly as in the task', async () => {
    // Another app on the same bucket (its own prefix) parses every file in a thread; S3 keeps no local
    // file, so the task streams the bytes to the thread on request while it commits earlier chunks.
    const threaded = await startTestApp({ ...s3Settings, s3Prefix: 'threaded/', parseThreadMinBytes: 0, chunkSize: 500 });
    try {
      const csv = faultyContactsCsv(6_000);
      const outcomes = await Promise.all(
        [threaded, t].map(async (app) => {
          const tok = await app.token('thread');
          const r = await uploadImport(app.url, tok, csv);
          expect(r.errors).toBeUndefined();
          const job = await waitForJob(app.url, tok, r.data.startImport.id, undefined, 120_000);
          expect(job.status).toBe('COMPLETED');
          return importOutcome(app.databaseUrl, job.id);
        }),
      );
      expect(outcomes[0]).toEqual(outcomes[1]);
      expect(outcomes[0]!.rowCount).toBeGreaterThan(5_000);
    } finally {
      await threaded.stop();
    }
  }, 180_000);

  it('should import a file stored in S3 and download an export through a real presigned URL', async () => {
    const upload = await uploadImport(t.url, token, 'email,first_name,tags\nann@x.com,Ann,"vip,x"\nbob@x.com,Bob,\n');
    expect(upload.errors).toBeUndefined();
    const imported = await waitForJob(t.url, token, upload.data.startImport.id);
    expect(imported).toMatchObject({ status: 'COMPLETED', succeededRows: 2 });

    const started = await gql(t.url, token, `mutation { startExport(input: { entity: CONTACTS, columns: ["email", "tags"] }) { id } }`);
    const id = started.data.startExport.id;
    await waitForJob(t.url, token, id);
    const job = (await gql(t.url, token, `query($id: ID!) { job(id: $id) { status downloadUrl downloadExpiresAt } }`, { id })).data.job;
    expect(job.downloadUrl).toMatch(/X-Amz-Signature=/);
    expect(job.downloadUrl.startsWith(t.app.services.config.s3Endpoint!)).toBe(true);

    const res = await fetch(job.downloadUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="contacts-export-.*\.csv"$/);
    expect(await res.text()).toBe('email,tags\nann@x.com,"vip,x"\nbob@x.com,""\n');
    // Expiry and tamper checks are S3's own (s3rver does not enforce them): we check what we ask S3 for.
    const signed = new URL(job.downloadUrl);
    expect(signed.searchParams.get('X-Amz-Expires')).toBe(String(t.app.services.config.downloadLinkTtlSeconds));
    expect(signed.pathname).toMatch(new RegExp(`^/bulkport/test/exports/[0-9a-f-]{36}/${id}\\.csv$`));
  });

  it('should check a mapping against the header of a file stored in S3, and serve its failed rows from the API', async () => {
    const csv = 'E-mail,Vorname\nann@x.com,Ann\nnot-an-email,Nora\n';
    const refused = await uploadImport(t.url, token, csv, { mapping: [{ column: 'Rufname', field: 'first_name' }] });
    expect(refused.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'UNKNOWN_COLUMN' });

    const upload = await uploadImport(t.url, token, csv, { mapping: [{ column: 'Vorname', field: 'first_name' }] });
    expect(upload.errors).toBeUndefined();
    const imported = await waitForJob(t.url, token, upload.data.startImport.id);
    expect(imported).toMatchObject({ status: 'COMPLETED', succeededRows: 1, failedRows: 1 });
    const { failedRowsUrl } = (await gql(t.url, token, `query($id: ID!) { job(id: $id) { failedRowsUrl } }`, { id: imported.id })).data.job;
    expect(failedRowsUrl.startsWith(t.url.replace(/\/graphql$/, ''))).toBe(true);
    const res = await fetch(failedRowsUrl);
    expect(res.status).toBe(200);
    // Read as bytes: Response.text() would drop the byte order mark.
    expect(Buffer.from(await res.arrayBuffer()).toString('utf8')).toMatch(/^\uFEFFE-mail,Vorname,row,errors\nnot-an-email,Nora,3,INVALID_EMAIL: [^\n]+\n$/);
  });
});
