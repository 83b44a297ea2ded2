import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateContactsCsv } from '../../bench/generateContacts.ts';
import { validContactsCsv } from '../helpers/buildCsv.ts';
import { countContacts } from '../helpers/contactsTable.ts';
import { CANCEL_JOB, fetchJob, gql, importAndWait, pollJob, subscribeProgress, uploadImport, wsClient } from '../helpers/graphqlClient.ts';
import { withDatabase } from '../helpers/testDatabase.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

const counters = (job: any) => ({
  status: job.status,
  totalRows: job.totalRows,
  processedRows: job.processedRows,
  succeededRows: job.succeededRows,
  failedRows: job.failedRows,
  insertedRows: job.insertedRows,
  percent: job.percent,
  completedAt: job.completedAt,
});

describe('cancelling a RUNNING import', () => {
  const ROWS = 200_000;
  let t: TestApp;
  let dir: string;
  beforeAll(async () => {
    // Small chunks: many commits, so the import is still running when the cancel arrives.
    t = await startTestApp({ chunkSize: 1000 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkport-cancel-'));
  });
  afterAll(async () => {
    await t?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('should stop within a chunk, end CANCELLED, keep the committed rows and count exactly those', async () => {
    const file = path.join(dir, 'contacts-200k.csv');
    await generateContactsCsv(file, ROWS, { seed: 7 });
    const token = await t.token('cancel-running');
    const started = await uploadImport(t.url, token, fs.readFileSync(file));
    expect(started.errors).toBeUndefined();
    const id = started.data.startImport.id;

    const client = wsClient(t.wsUrl, token);
    try {
      const sub = subscribeProgress(client, id);
      const running = await pollJob(t.url, token, id, (j) => j.status !== 'QUEUED' && (j.processedRows > 0 || j.status !== 'RUNNING'), 60_000, 20);
      expect(running.status).toBe('RUNNING');

      const cancel = await gql(t.url, token, CANCEL_JOB, { id });
      expect(cancel.errors).toBeUndefined();
      expect(cancel.data.cancelJob.status).toBe('CANCELLED');
      expect(cancel.data.cancelJob.completedAt).not.toBeNull();

      // The subscriber sees the cancellation as its terminal event, then the stream completes.
      const { events, errors } = await sub.done;
      expect(errors).toBeUndefined();
      expect(events.at(-1).status).toBe('CANCELLED');

      const atCancel = await fetchJob(t.url, token, id);
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const later = await fetchJob(t.url, token, id);
      expect(counters(later)).toEqual(counters(atCancel));
      expect(events.at(-1)).toMatchObject({ processedRows: later.processedRows, succeededRows: later.succeededRows, failedRows: later.failedRows });

      expect(later.status).toBe('CANCELLED');
      expect(later.processedRows).toBeGreaterThan(0);
      expect(later.processedRows).toBeLessThan(ROWS);
      expect(later.succeededRows + later.failedRows).toBe(later.processedRows);
      expect(later.failedRows).toBe(0);
      expect(later.insertedRows).toBe(later.succeededRows);
      // A fresh workspace: the table holds exactly the rows the job says it committed.
      expect(await countContacts(t.databaseUrl, 'cancel-running')).toBe(later.succeededRows);
    } finally {
      await client.dispose();
    }
  });

  it('should return a finished job unchanged when it is cancelled, and a cancelled one when cancelled again', async () => {
    const token = await t.token('cancel-finished');
    const done = await importAndWait(t.url, token, validContactsCsv(5));
    expect(done.status).toBe('COMPLETED');

    const r = await gql(t.url, token, CANCEL_JOB, { id: done.id });
    expect(r.errors).toBeUndefined();
    expect(counters(r.data.cancelJob)).toEqual(counters(done));
    expect(await countContacts(t.databaseUrl, 'cancel-finished')).toBe(5);
  });
});

describe('cancelling a QUEUED import', () => {
  let t: TestApp;
  beforeAll(async () => {
    // The API alone: no worker picks the job up until the test starts one.
    t = await startTestApp({}, 'api');
  });
  afterAll(() => t?.stop());

  it('should end CANCELLED with zero rows, and stay so once a worker runs its queued task', async () => {
    const token = await t.token('cancel-queued');
    const started = await uploadImport(t.url, token, validContactsCsv(50));
    const id = started.data.startImport.id;
    expect(started.data.startImport.status).toBe('QUEUED');

    const r = await gql(t.url, token, CANCEL_JOB, { id });
    expect(r.errors).toBeUndefined();
    expect(r.data.cancelJob).toMatchObject({ id, status: 'CANCELLED', processedRows: 0, succeededRows: 0, failedRows: 0 });
    expect(r.data.cancelJob.completedAt).not.toBeNull();

    // A late subscriber gets the terminal state at once.
    const client = wsClient(t.wsUrl, token);
    try {
      const { events, errors } = await subscribeProgress(client, id).done;
      expect(errors).toBeUndefined();
      expect(events).toEqual([expect.objectContaining({ jobId: id, status: 'CANCELLED', processedRows: 0 })]);
    } finally {
      await client.dispose();
    }

    const worker = await t.startWorker();
    try {
      await waitUntilTaskGone(t.databaseUrl, `import:${id}:stage`);
    } finally {
      await worker.stop();
    }
    const job = await fetchJob(t.url, token, id);
    expect(job).toMatchObject({ status: 'CANCELLED', totalRows: null, processedRows: 0, succeededRows: 0, failedRows: 0, startedAt: null });
    expect(await countContacts(t.databaseUrl, 'cancel-queued')).toBe(0);
  });
});

/** Waits until graphile-worker has run (and removed) the task with this key. */
async function waitUntilTaskGone(databaseUrl: string, key: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await withDatabase(databaseUrl, async (c) => (await c.query('SELECT 1 FROM graphile_worker.jobs WHERE key = $1', [key])).rowCount);
    if (left === 0) return;
    if (Date.now() > deadline) throw new Error(`task ${key} still queued after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
