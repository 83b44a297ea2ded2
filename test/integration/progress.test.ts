import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileWithSomeBadRows } from '../helpers/buildCsv.ts';
import { countContacts } from '../helpers/contactsTable.ts';
import { JOB_PROGRESS, fetchJob, importAndWait, subscribeProgress, uploadImport, waitForJob, wsClient } from '../helpers/graphqlClient.ts';
import { expectExactTotals, expectWellFormedStream } from '../helpers/jobAssertions.ts';
import { withDatabase } from '../helpers/testDatabase.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

describe('live progress over graphql-ws', () => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await startTestApp({ chunkSize: 500 });
    token = await t.token('progress');
  });
  afterAll(() => t?.stop());

  it('should stream monotonic progress that ends with one COMPLETED event carrying exact totals, then complete', async () => {
    const started = await uploadImport(t.url, token, fileWithSomeBadRows(6000, 'live'));
    const id = started.data.startImport.id;
    const client = wsClient(t.wsUrl, token);
    try {
      const sub = subscribeProgress(client, id);
      const { events, errors } = await sub.done;

      expect(errors).toBeUndefined();
      expectWellFormedStream(events, id);
      expect(events.length).toBeGreaterThanOrEqual(2); // the state at subscription time, then at least the end
      expect(['QUEUED', 'RUNNING']).toContain(events[0].status);
      const last = events.at(-1);
      expect(last).toMatchObject({
        status: 'COMPLETED',
        totalRows: 6000,
        processedRows: 6000,
        succeededRows: 5940,
        failedRows: 60,
        percent: 100,
        etaSeconds: 0,
      });
      expect(events.slice(0, -1).every((e) => e.percent < 100)).toBe(true);

      const job = await fetchJob(t.url, token, id);
      expectExactTotals(job, 6000);
      expect({ processedRows: job.processedRows, succeededRows: job.succeededRows, failedRows: job.failedRows }).toEqual({
        processedRows: last.processedRows,
        succeededRows: last.succeededRows,
        failedRows: last.failedRows,
      });
      expect(await countContacts(t.databaseUrl, 'progress')).toBe(5940);
    } finally {
      await client.dispose();
    }
  });

  it('should give a late subscriber to a finished job exactly one terminal event, then complete', async () => {
    const job = await importAndWait(t.url, token, fileWithSomeBadRows(300, 'late'));
    expect(job.status).toBe('COMPLETED');
    const client = wsClient(t.wsUrl, token);
    try {
      const { events, errors } = await subscribeProgress(client, job.id).done;
      expect(errors).toBeUndefined();
      expect(events).toEqual([
        expect.objectContaining({ jobId: job.id, status: 'COMPLETED', totalRows: 300, processedRows: 300, succeededRows: 297, failedRows: 3, percent: 100 }),
      ]);
    } finally {
      await client.dispose();
    }
  });

  it('should give a late subscriber to a FAILED job one FAILED event, then complete', async () => {
    const job = await importAndWait(t.url, token, 'first_name,last_name\nAnn,Lee\n');
    expect(job.status).toBe('FAILED');
    const client = wsClient(t.wsUrl, token);
    try {
      const { events, errors } = await subscribeProgress(client, job.id).done;
      expect(errors).toBeUndefined();
      expect(events).toEqual([expect.objectContaining({ jobId: job.id, status: 'FAILED', processedRows: 0 })]);
    } finally {
      await client.dispose();
    }
  });

  it('should deliver the same final event to several subscribers of one job on separate connections', async () => {
    const started = await uploadImport(t.url, token, fileWithSomeBadRows(2000, 'fanout'));
    const id = started.data.startImport.id;
    const clients = [wsClient(t.wsUrl, token), wsClient(t.wsUrl, token), wsClient(t.wsUrl, token)];
    try {
      const results = await Promise.all(clients.map((c) => subscribeProgress(c, id).done));
      for (const { events, errors } of results) {
        expect(errors).toBeUndefined();
        expectWellFormedStream(events, id);
        expect(events.at(-1)).toMatchObject({ status: 'COMPLETED', totalRows: 2000, processedRows: 2000, succeededRows: 1980, failedRows: 20 });
      }
    } finally {
      await Promise.all(clients.map((c) => c.dispose()));
    }
  });
});

describe('live progress with the API and the worker in separate processes', () => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await startTestApp({ chunkSize: 200 }, 'api');
    token = await t.token('split-roles');
  });
  afterAll(() => t?.stop());

  it('should send the current QUEUED state first, then the progress of a worker running in another process', async () => {
    const started = await uploadImport(t.url, token, fileWithSomeBadRows(3000, 'split'));
    const id = started.data.startImport.id;
    const client = wsClient(t.wsUrl, token);
    try {
      const sub = subscribeProgress(client, id);
      // No worker runs yet: the first event can only be the state the job is in now.
      const first = await sub.first;
      expect(first).toMatchObject({ jobId: id, status: 'QUEUED', totalRows: null, processedRows: 0, succeededRows: 0, failedRows: 0, percent: 0 });

      const worker = await t.startWorker();
      try {
        const { events, errors } = await sub.done;
        expect(errors).toBeUndefined();
        expectWellFormedStream(events, id);
        expect(events.at(-1)).toMatchObject({ status: 'COMPLETED', totalRows: 3000, processedRows: 3000, succeededRows: 2970, failedRows: 30, percent: 100 });
      } finally {
        await worker.stop();
      }
      const job = await waitForJob(t.url, token, id);
      expectExactTotals(job, 3000);
      expect(await countContacts(t.databaseUrl, 'split-roles')).toBe(2970);
    } finally {
      await client.dispose();
    }
  });
  it('should stamp every event with when its state was written: never after it arrived, never before the one it follows, the last at the completing statement', async () => {
    const started = await uploadImport(t.url, token, fileWithSomeBadRows(3000, 'stamped'));
    const id = started.data.startImport.id;
    const client = wsClient(t.wsUrl, token);
    try {
      const sub = subscribeProgress(client, id, JOB_PROGRESS.replace('etaSeconds', 'etaSeconds updatedAt'));
      await sub.first;
      const worker = await t.startWorker();
      try {
        const { events, errors } = await sub.done;
        expect(errors).toBeUndefined();
        expectWellFormedStream(events, id);
        expect(events.length).toBeGreaterThanOrEqual(3); // QUEUED, some chunks, COMPLETED
        const stamps = events.map((e) => Date.parse(e.updatedAt));
        for (const [i, stamp] of stamps.entries()) {
          expect(Number.isNaN(stamp)).toBe(false);
          // PostgreSQL and this process share the machine's clock.
          expect(stamp).toBeLessThanOrEqual(sub.receivedAt[i]);
          if (i > 0) expect(stamp).toBeGreaterThanOrEqual(stamps[i - 1]);
          if (i > 0 && events[i].processedRows > events[i - 1].processedRows) expect(stamp).toBeGreaterThan(stamps[0]);
        }
        // The completing merge's last statement stamped it (clock_timestamp()): later than the
        // transaction's start, which completed_at holds (now()), and what the jobs row holds.
        const row = await withDatabase(t.databaseUrl, async (c) => {
          const r = await c.query<{ updated_at: Date; after_start: boolean }>(
            'SELECT updated_at, updated_at > completed_at AS after_start FROM jobs WHERE id = $1',
            [id],
          );
          return r.rows[0];
        });
        expect(events.at(-1)).toMatchObject({ status: 'COMPLETED', updatedAt: row.updated_at.toISOString() });
        expect(row.after_start).toBe(true);
      } finally {
        await worker.stop();
      }
    } finally {
      await client.dispose();
    }
  });
});
