import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validContactsCsv } from '../helpers/buildCsv.ts';
import { allJobIds, START_IMPORT, uploadImport, waitForJob } from '../helpers/graphqlClient.ts';
import { storedFiles } from '../helpers/storedFiles.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

const MAX_UPLOAD_BYTES = 1000;

/** A valid one-row contacts file of exactly `bytes` bytes (padded with spaces, which values are trimmed of). */
function csvOfSize(bytes: number): string {
  const head = 'email,first_name\nann@example.com,Ann';
  return head + ' '.repeat(bytes - head.length - 1) + '\n';
}

let t: TestApp;
let storageDir: string;
beforeAll(async () => {
  t = await startTestApp({ maxUploadBytes: MAX_UPLOAD_BYTES });
  storageDir = t.app.services.config.storageDir;
});
afterAll(() => t?.stop());

describe('the upload size limit', () => {
  it('should refuse a file larger than the limit, create no job and leave no file behind', async () => {
    const token = await t.token('too-large');
    const r = await uploadImport(t.url, token, validContactsCsv(500)); // about 30 KB

    expect(r.data?.startImport ?? null).toBeNull();
    expect(r.errors).toHaveLength(1);
    expect(await allJobIds(t.url, token)).toEqual([]);
    expect(storedFiles(storageDir)).toEqual([]);
  });

  it('should refuse a file one byte over the limit', async () => {
    const token = await t.token('one-over');
    const r = await uploadImport(t.url, token, csvOfSize(MAX_UPLOAD_BYTES + 1));
    expect(r.data?.startImport ?? null).toBeNull();
    expect(r.errors).toHaveLength(1);
    expect(await allJobIds(t.url, token)).toEqual([]);
    expect(storedFiles(storageDir)).toEqual([]);
  });

  it('should answer an oversized upload with BAD_USER_INPUT, reason FILE_TOO_LARGE and the configured limit', async () => {
    const token = await t.token('too-large-error');
    const r = await uploadImport(t.url, token, validContactsCsv(500));
    expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0].extensions?.reason).toBe('FILE_TOO_LARGE');
    expect(r.errors?.[0].message).toContain('1000 bytes');
  });

  it('should accept a file of exactly the limit', async () => {
    const token = await t.token('at-limit');
    const csv = csvOfSize(MAX_UPLOAD_BYTES);
    expect(Buffer.byteLength(csv)).toBe(MAX_UPLOAD_BYTES);
    const r = await uploadImport(t.url, token, csv);
    expect(r.errors).toBeUndefined();
    const job = await waitForJob(t.url, token, r.data.startImport.id);
    expect(job).toMatchObject({ status: 'COMPLETED', succeededRows: 1 });
    expect(storedFiles(storageDir)).toHaveLength(1);
  });

  it('should refuse a request carrying two files and create no job', async () => {
    const token = await t.token('two-files');
    const form = new FormData();
    form.append('operations', JSON.stringify({ query: START_IMPORT, variables: { input: { entity: 'CONTACTS', file: null } } }));
    form.append('map', JSON.stringify({ 0: ['variables.input.file'], 1: ['variables.input.file'] }));
    form.append('0', new Blob([validContactsCsv(2, 'one')]), 'one.csv');
    form.append('1', new Blob([validContactsCsv(2, 'two')]), 'two.csv');
    const res = await fetch(t.url, { method: 'POST', headers: { 'apollo-require-preflight': 'true', authorization: `Bearer ${token}` }, body: form });
    const body = (await res.json()) as { errors?: Array<{ message: string }> };

    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(body.errors?.[0].message).toMatch(/file/i);
    expect(await allJobIds(t.url, token)).toEqual([]);
  });
});
