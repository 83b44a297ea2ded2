import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validContactsCsv } from '../helpers/buildCsv.ts';
import { contactsOf, countContacts } from '../helpers/contactsTable.ts';
import { allJobIds, uploadImport, waitForJob } from '../helpers/graphqlClient.ts';
import { storedFiles } from '../helpers/storedFiles.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.stop());

describe('idempotency key', () => {
  it('should return the first job for the same key in the same workspace and import its rows once', async () => {
    const token = await t.token('idem');
    const first = await uploadImport(t.url, token, validContactsCsv(20, 'first'), { idempotencyKey: 'upload-2026-11-23' });
    expect(first.errors).toBeUndefined();
    const id = first.data.startImport.id;
    await waitForJob(t.url, token, id);

    // Same key, other content: the key wins, the second file is not imported.
    const second = await uploadImport(t.url, token, validContactsCsv(30, 'second'), { idempotencyKey: 'upload-2026-11-23' });
    expect(second.errors).toBeUndefined();
    expect(second.data.startImport.id).toBe(id);
    expect(second.data.startImport.status).toBe('COMPLETED');

    expect(await allJobIds(t.url, token)).toEqual([id]);
    const job = await waitForJob(t.url, token, id);
    expect(job).toMatchObject({ status: 'COMPLETED', totalRows: 20, succeededRows: 20 });
    expect(await countContacts(t.databaseUrl, 'idem')).toBe(20);
    expect([...(await contactsOf(t.databaseUrl, 'idem')).keys()].every((email) => email.startsWith('first'))).toBe(true);
  });

  it('should start one job when two requests with the same key arrive at once', async () => {
    const token = await t.token('idem-race');
    const [a, b] = await Promise.all([
      uploadImport(t.url, token, validContactsCsv(10, 'race'), { idempotencyKey: 'same-moment' }),
      uploadImport(t.url, token, validContactsCsv(10, 'race'), { idempotencyKey: 'same-moment' }),
    ]);
    expect(a.errors).toBeUndefined();
    expect(b.errors).toBeUndefined();
    expect(b.data.startImport.id).toBe(a.data.startImport.id);
    await waitForJob(t.url, token, a.data.startImport.id);
    expect(await allJobIds(t.url, token)).toEqual([a.data.startImport.id]);
    expect(await countContacts(t.databaseUrl, 'idem-race')).toBe(10);
    // The loser's upload was not kept: the workspace's upload folder holds the one job's file.
    const files = storedFiles(t.app.services.config.storageDir);
    const own = files.find((f) => f.includes(a.data.startImport.id));
    expect(own).toBeDefined();
    const folder = path.dirname(own!);
    expect(files.filter((f) => path.dirname(f) === folder)).toEqual([own]);
  });

  it('should start a different job for the same key in another workspace', async () => {
    const tokenA = await t.token('idem-a');
    const tokenB = await t.token('idem-b');
    const a = await uploadImport(t.url, tokenA, validContactsCsv(5, 'a'), { idempotencyKey: 'shared-key' });
    const b = await uploadImport(t.url, tokenB, validContactsCsv(7, 'b'), { idempotencyKey: 'shared-key' });
    expect(b.data.startImport.id).not.toBe(a.data.startImport.id);
    await waitForJob(t.url, tokenA, a.data.startImport.id);
    await waitForJob(t.url, tokenB, b.data.startImport.id);
    expect(await countContacts(t.databaseUrl, 'idem-a')).toBe(5);
    expect(await countContacts(t.databaseUrl, 'idem-b')).toBe(7);
  });

  it('should start a new job for each request without a key', async () => {
    const token = await t.token('idem-none');
    const a = await uploadImport(t.url, token, validContactsCsv(3, 'none'));
    const b = await uploadImport(t.url, token, validContactsCsv(3, 'none'));
    expect(b.data.startImport.id).not.toBe(a.data.startImport.id);
    const second = await waitForJob(t.url, token, b.data.startImport.id);
    await waitForJob(t.url, token, a.data.startImport.id);
    expect(second.succeededRows).toBe(3);
    expect(await countContacts(t.databaseUrl, 'idem-none')).toBe(3);
  });

  it('should refuse a key longer than 255 characters with BAD_USER_INPUT', async () => {
    const token = await t.token('idem-long');
    const r = await uploadImport(t.url, token, validContactsCsv(1), { idempotencyKey: 'k'.repeat(256) });
    expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(await allJobIds(t.url, token)).toEqual([]);
  });
});
