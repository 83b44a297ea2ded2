import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validContactsCsv } from '../helpers/buildCsv.ts';
import { jobProgressRow, waitFor } from '../helpers/faultImport.ts';
import { uploadImport, waitForJob } from '../helpers/graphqlClient.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

let t: TestApp;
beforeAll(async () => {
  // Merges queued per chunk, as an import that meets existing keys has them (a fresh import's chunks
  // would otherwise go straight in from its stage task, see directChunks.test.ts).
  t = await startTestApp({ chunkSize: 500, workerConcurrency: 2, directChunks: false });
});
afterAll(() => t?.stop());

async function start(workspace: string, csv: string): Promise<{ id: string; token: string }> {
  const token = await t.token(workspace);
  const r = await uploadImport(t.url, token, csv);
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return { id: r.data.startImport.id, token };
}

describe('fair scheduling', () => {
  it('should let a small import from another workspace finish while a big one has most of its chunks still queued', async () => {
    const big = await start('big-tenant', validContactsCsv(120_000, 'big'));
    // The whole big file is staged: its 240 merges are queued ahead of anything that comes now (with 120, a
    // fast machine had merged all but 40 by the time the small import completed; with 240, 114 were left).
    await waitFor('the big import staged, its merges queued', async () => {
      const p = await jobProgressRow(t.databaseUrl, big.id);
      return p.total_chunks !== null ? p : undefined;
    });
    const small = await start('small-tenant', validContactsCsv(300, 'small'));
    const done = await waitForJob(t.url, small.token, small.id);
    expect(done).toMatchObject({ status: 'COMPLETED', succeededRows: 300 });
    const bigThen = await jobProgressRow(t.databaseUrl, big.id);
    // In arrival order the small import would have waited for all of them.
    expect(bigThen.status).toBe('RUNNING');
    expect(bigThen.total_chunks! - bigThen.merged_chunks).toBeGreaterThan(40);
    expect(await waitForJob(t.url, big.token, big.id, undefined, 120_000)).toMatchObject({ status: 'COMPLETED', succeededRows: 120_000 });
  });
});
