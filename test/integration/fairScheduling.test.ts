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
    // The whole big file is staged: its 240 merges are queued ahead of anything that comes now.
    const staged = await waitFor('the big import staged, its merges queued', async () => {
      const p = await jobProgressRow(t.databaseUrl, big.id);
      return p.total_chunks !== null ? p : undefined;
    });
    const small = await start('small-tenant', validContactsCsv(300, 'small'));
    const done = await waitForJob(t.url, small.token, small.id);
    expect(done).toMatchObject({ status: 'COMPLETED', succeededRows: 300 });
    const bigThen = await jobProgressRow(t.databaseUrl, big.id);
    expect(bigThen.status).toBe('RUNNING');
    // In arrival order the small import would have waited for every merge queued before it. It waits
    // for the merges already running and for those a free slot takes while its own stage task runs: a
    // handful, not most of them. (Counted against the queue, not as a fixed number: how many of the
    // 240 are merged by the time the file is staged depends on the machine's speed and load.)
    const queuedBefore = bigThen.total_chunks! - staged.merged_chunks;
    const mergedMeanwhile = bigThen.merged_chunks - staged.merged_chunks;
    expect(queuedBefore).toBeGreaterThan(20);
    expect(mergedMeanwhile).toBeLessThan(queuedBefore / 2);
    expect(await waitForJob(t.url, big.token, big.id, undefined, 120_000)).toMatchObject({ status: 'COMPLETED', succeededRows: 120_000 });
  });
});
