import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';
import { allRowErrors, collectProgress, uploadImport, waitForJob, wsClient } from '../helpers/graphqlClient.ts';

let t: TestApp;
let token: string;
beforeAll(async () => {
  t = await startTestApp({ chunkSize: 3 });
  token = await t.token('acme');
});
afterAll(() => t?.stop());

describe('smoke', () => {
  it('imports a small file', async () => {
    const csv = 'email,first_name,last_name,tags\na@x.com,Ann,Lee,"vip, beta"\nbad,Bob,,\nc@x.com,,Cole,\nd@x.com,Dan,Day,\na@x.com,Ann2,Lee,\n';
    const r = await uploadImport(t.url, token, csv);
    expect(r.errors).toBeUndefined();
    const id = r.data.startImport.id;
    const client = wsClient(t.wsUrl, token);
    const progress = await collectProgress(client, id);
    await client.dispose();
    const job = await waitForJob(t.url, token, id);
    console.log(job, progress, await allRowErrors(t.url, token, id));
    expect(job.status).toBe('COMPLETED');
  });
});
