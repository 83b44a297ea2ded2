import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultyContactsCsv, importOutcome, jobProgressRow, taskHolders, waitFor, type ImportOutcome } from '../helpers/faultImport.ts';
import { uploadImport, waitForJob } from '../helpers/graphqlClient.ts';
import { startServerProcesses, type ServerProcesses } from '../helpers/serverProcess.ts';
import { withDatabase } from '../helpers/testDatabase.ts';

// Scale-out as an operator does it: `npm run api` and `npm run worker` processes on one database.
// The same file (bad rows, and in-file duplicates far apart, which the merges settle after staging)
// is imported twice into fresh workspaces, with one worker process and then with three: the counts,
// the row errors and every stored row must be identical, and the chunks of the second import must
// really have run on more than one process at once. DIRECT_CHUNKS=false: the chunks of a fresh import
// are staged and merged as tasks any worker can run (with the default, the stage task writes them itself).
const ROWS = 40_000;
const csv = faultyContactsCsv(ROWS);
let s: ServerProcesses;

beforeAll(async () => {
  s = await startServerProcesses('api', { CHUNK_SIZE: '500', DIRECT_CHUNKS: 'false' });
  await s.start('worker', { WORKER_CONCURRENCY: '2' });
}, 120_000);
afterAll(() => s?.stop());

async function importInto(workspace: string, watch?: (jobId: string) => Promise<void>): Promise<ImportOutcome> {
  const token = await s.token(workspace);
  const r = await uploadImport(s.url, token, csv);
  expect(r.errors).toBeUndefined();
  const id: string = r.data.startImport.id;
  const watching = watch?.(id);
  const ended = await waitForJob(s.url, token, id, undefined, 180_000);
  await watching;
  expect(ended.status).toBe('COMPLETED');
  return importOutcome(s.databaseUrl, id);
}

describe('three worker processes', () => {
  it('should share one import between them and end exactly as one worker does', async () => {
    const single = await importInto('one-worker');
    expect(single.counts.total_rows).toBe(ROWS);
    expect(single.errors.length).toBeGreaterThan(ROWS / 40);

    await s.start('worker', { WORKER_CONCURRENCY: '2' });
    await s.start('worker', { WORKER_CONCURRENCY: '2' });
    // The sampling below finds a task's process through its pool's heartbeat row: wait until all three
    // have written one, or a short import can be over before the new workers are visible.
    await waitFor('three workers with a heartbeat', async () => {
      const r = await withDatabase(s.databaseUrl, (c) => c.query<{ n: number }>(`SELECT count(DISTINCT pid)::int AS n FROM worker_heartbeats`));
      return r.rows[0].n >= 3 ? true : undefined;
    });
    // Which processes hold this job's tasks, sampled while it runs.
    const pids = new Set<number>();
    let mostAtOnce = 0;
    const three = await importInto('three-workers', async (jobId) => {
      for (;;) {
        const holders = await taskHolders(s.databaseUrl, jobId);
        const now = new Set(holders.map((h) => h.pid));
        for (const pid of now) pids.add(pid);
        mostAtOnce = Math.max(mostAtOnce, now.size);
        if ((await jobProgressRow(s.databaseUrl, jobId)).status !== 'RUNNING' && pids.size > 0) return;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    });
    expect(pids.size).toBe(3);
    expect(mostAtOnce).toBeGreaterThanOrEqual(2);
    expect(three).toEqual(single);
  }, 300_000);
});
