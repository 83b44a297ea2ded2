import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchExportJob, startExport } from '../helpers/exportClient.ts';
import { CANCEL_JOB, gql, subscribeProgress, waitForJob, wsClient } from '../helpers/graphqlClient.ts';
import { installExportGate } from '../helpers/exportGate.ts';
import { exportFilesIn, seedManyContacts } from '../helpers/seedTables.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

const ROWS = 300_000;
const TERMINAL = ['COMPLETED', 'FAILED', 'CANCELLED'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A large export's life: live progress over graphql-ws, and cancellation half-way. */
describe('export progress and cancellation', () => {
  let t: TestApp;
  let token: string;
  let storageDir: string;

  /** Files of one export job under exports/, the published result and *.partial temporaries alike. */
  const filesOf = (jobId: string) => exportFilesIn(storageDir).filter((f) => f.includes(jobId));

  beforeAll(async () => {
    t = await startTestApp();
    token = await t.token('big');
    storageDir = t.app.services.config.storageDir;
    await seedManyContacts(t.databaseUrl, 'big', ROWS);
  });
  afterAll(() => t?.stop());

  it('should stream an export’s progress over graphql-ws: the current state first, monotonic counts, then COMPLETED with processedRows equal to totalRows', async () => {
    // An export of 300k rows takes well under a second: the gate holds it after it has counted, so
    // the subscription surely starts while it runs.
    const gate = await installExportGate(t.databaseUrl);
    await gate.close();
    const started = await startExport(t.url, token, { entity: 'CONTACTS' });
    const client = wsClient(t.wsUrl, token);
    try {
      await gate.waitForExport();
      const subscription = subscribeProgress(client, started.id);
      await subscription.first;
      await gate.remove();
      const { events, errors } = await subscription.done;
      expect(errors).toBeUndefined();
      expect(events.length).toBeGreaterThanOrEqual(2);
      expect(['QUEUED', 'RUNNING']).toContain(events[0].status);
      for (const e of events) {
        expect(e.jobId).toBe(started.id);
        expect(e.failedRows).toBe(0);
        // totalRows is known before the first row is written, and it is exact.
        if (e.processedRows > 0) expect(e.totalRows).toBe(ROWS);
        expect(e.processedRows).toBeLessThanOrEqual(ROWS);
      }
      for (let i = 1; i < events.length; i++) {
        expect(events[i].processedRows).toBeGreaterThanOrEqual(events[i - 1].processedRows);
        expect(events[i].percent).toBeGreaterThanOrEqual(events[i - 1].percent);
      }
      expect(events.slice(0, -1).filter((e) => TERMINAL.includes(e.status))).toEqual([]);
      expect(events.at(-1)).toMatchObject({ status: 'COMPLETED', totalRows: ROWS, processedRows: ROWS, succeededRows: ROWS, percent: 100 });

      const job = await fetchExportJob(t.url, token, started.id);
      expect(job).toMatchObject({ status: 'COMPLETED', totalRows: ROWS, processedRows: ROWS });
      expect(job.downloadUrl).toMatch(/\/files\//);
    } finally {
      await gate.remove().catch(() => undefined);
      await client.dispose();
    }
  });

  it('should end an export cancelled while it writes as CANCELLED, with no download link and no file left in storage', async () => {
    // Held at the gate the export has counted its snapshot and written nothing. The cancel queues
    // behind it on the job row; whichever way the race then goes, no file may survive.
    const gate = await installExportGate(t.databaseUrl);
    await gate.close();
    const started = await startExport(t.url, token, { entity: 'CONTACTS', gzip: true });
    await gate.waitForExport();
    expect(await fetchExportJob(t.url, token, started.id)).toMatchObject({ status: 'RUNNING', downloadUrl: null });
    const cancelling = gql(t.url, token, CANCEL_JOB, { id: started.id });
    await sleep(200);
    await gate.remove();
    const cancelled = await cancelling;
    expect(cancelled.errors).toBeUndefined();
    expect(cancelled.data.cancelJob.status).toBe('CANCELLED');

    // The worker notices within a progress interval; its temporary file must then disappear.
    const deadline = Date.now() + 15_000;
    while (filesOf(started.id).length > 0 && Date.now() < deadline) await sleep(50);
    expect(filesOf(started.id)).toEqual([]);
    await sleep(1_500); // longer than a progress interval: nothing is published late either
    expect(filesOf(started.id)).toEqual([]);

    const job = await fetchExportJob(t.url, token, started.id);
    expect(job.status).toBe('CANCELLED');
    expect(job.downloadUrl).toBeNull();
    expect(job.downloadExpiresAt).toBeNull();
    const { rows } = await t.app.services.pool.query(`SELECT result_key FROM jobs WHERE id = $1`, [started.id]);
    expect(rows[0].result_key).toBeNull();
  });

  it('should leave a completed export as it is when cancelJob comes after the end', async () => {
    const started = await startExport(t.url, token, { entity: 'CONTACTS', filter: { search: 'bulk1@' } });
    const done = await waitForJob(t.url, token, started.id);
    expect(done.status).toBe('COMPLETED');
    const r = await gql(t.url, token, CANCEL_JOB, { id: started.id });
    expect(r.data.cancelJob.status).toBe('COMPLETED');
    const job = await fetchExportJob(t.url, token, started.id);
    expect(job.status).toBe('COMPLETED');
    expect(job.totalRows).toBe(1);
    expect(job.downloadUrl).not.toBeNull();
    expect(filesOf(started.id)).toHaveLength(1);
  });

  it('should return the first export job again for a repeated idempotencyKey instead of starting a second', async () => {
    const input = { entity: 'CONTACTS', filter: { search: 'bulk2@' }, idempotencyKey: 'nightly-2024-06-01' };
    const first = await startExport(t.url, token, input);
    const second = await startExport(t.url, token, { ...input, format: 'JSONL' });
    expect(second.id).toBe(first.id);
    expect((await waitForJob(t.url, token, first.id)).status).toBe('COMPLETED');
    const { rows } = await t.app.services.pool.query(`SELECT count(*)::int AS n FROM jobs WHERE idempotency_key = $1`, [input.idempotencyKey]);
    expect(rows[0].n).toBe(1);
  });
});
