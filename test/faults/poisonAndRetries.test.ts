import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validContactsCsv } from '../helpers/buildCsv.ts';
import { queuedTasks, waitFor } from '../helpers/faultImport.ts';
import { uploadImport, waitForJob } from '../helpers/graphqlClient.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';
import { withDatabase } from '../helpers/testDatabase.ts';

// The API alone: each test starts the worker when the poison is in place.
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ jobMaxAttempts: 3, chunkSize: 50 }, 'api');
});
afterAll(() => t?.stop());

const tasksOf = (jobId: string) => queuedTasks(t.databaseUrl, jobId);
/** Tasks that could still work on the job: all but the cleanup of its staging tables, queued when it ends. */
const workLeft = async (jobId: string) => (await tasksOf(jobId)).filter((task) => task.task !== 'import_cleanup');

async function queued(workspace: string, csv: string | Buffer, fileName?: string): Promise<{ id: string; token: string }> {
  const token = await t.token(workspace);
  const r = await uploadImport(t.url, token, csv, {}, fileName);
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return { id: r.data.startImport.id, token };
}

describe('poison input', () => {
  it('should fail a file that is not CSV on its first attempt, with its reason, and leave no task to retry', async () => {
    const zip = Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(200, 7)]);
    const job = await queued('poison-zip', zip, 'book.xlsx');
    const worker = await t.startWorker();
    const ended = await waitForJob(t.url, job.token, job.id);
    expect(ended.status).toBe('FAILED');
    expect(ended.failureReason).toMatch(/^the file is a ZIP archive/); // not "processing failed after N attempts"
    expect(await workLeft(job.id)).toEqual([]);
    await worker.stop();
  });

  it('should fail an import whose stored file has disappeared on its first attempt', async () => {
    const job = await queued('poison-missing', validContactsCsv(5));
    const stored = path.join(t.app.services.config.storageDir, 'uploads');
    for (const f of fs.readdirSync(stored, { recursive: true }) as string[]) if (f.includes(job.id)) fs.rmSync(path.join(stored, f));
    const worker = await t.startWorker();
    const ended = await waitForJob(t.url, job.token, job.id);
    expect(ended).toMatchObject({ status: 'FAILED', processedRows: 0 });
    expect(ended.failureReason).toMatch(/no longer exists in storage/);
    expect(await workLeft(job.id)).toEqual([]);
    await worker.stop();
  });

  it('should fail a job one of whose tasks has an unreadable payload, at once', async () => {
    const job = await queued('poison-payload', validContactsCsv(5));
    await withDatabase(t.databaseUrl, (c) =>
      c.query(`SELECT graphile_worker.add_job('import_merge', json_build_object('jobId', $1::text, 'chunk', 'three'), max_attempts := 25)`, [job.id]),
    );
    const worker = await t.startWorker();
    const ended = await waitForJob(t.url, job.token, job.id);
    expect(ended.status).toBe('FAILED');
    expect(ended.failureReason).toMatch(/an internal task of this job could not be read/);
    await waitFor('no task left for the job', async () => ((await workLeft(job.id)).length === 0 ? true : undefined), 15_000);
    await worker.stop();
  });
});

describe('errors that may pass', () => {
  // A CHECK constraint the test adds and removes: the merge fails with a database error until it is gone.
  const block = (workspace: string) =>
    withDatabase(t.databaseUrl, (c) =>
      c.query(`ALTER TABLE contacts ADD CONSTRAINT test_block_${workspace.replace(/\W/g, '_')} CHECK (company IS DISTINCT FROM '${workspace}') NOT VALID`),
    );
  const unblock = (workspace: string) =>
    withDatabase(t.databaseUrl, (c) => c.query(`ALTER TABLE contacts DROP CONSTRAINT test_block_${workspace.replace(/\W/g, '_')}`));
  const csvFor = (workspace: string, rows: number) =>
    `email,first_name,company\n${Array.from({ length: rows }, (_, i) => `r${i}@example.com,R${i},${workspace}`).join('\n')}\n`;

  it('should retry a failing merge with a growing, jittered delay, then complete exactly once the cause is gone', async () => {
    await block('retry-ok');
    const job = await queued('retry-ok', csvFor('retry-ok', 120));
    const worker = await t.startWorker();
    try {
      // The merges fail, and are queued again with attempt 2, to run a moment later.
      const retried = await waitFor(
        'a merge queued for its second attempt',
        async () => (await tasksOf(job.id)).find((r) => r.task === 'import_merge' && r.payload.attempt === 2),
        30_000,
      );
      expect(retried.payload.attempt).toBe(2);
      expect((await t.app.services.pool.query(`SELECT status FROM jobs WHERE id = $1`, [job.id])).rows[0].status).toBe('RUNNING');
    } finally {
      await unblock('retry-ok');
    }
    const ended = await waitForJob(t.url, job.token, job.id);
    expect(ended).toMatchObject({ status: 'COMPLETED', processedRows: 120, succeededRows: 120, failedRows: 0, insertedRows: 120 });
    await worker.stop();
  });

  it('should fail the job after JOB_MAX_ATTEMPTS, saying why in plain words', async () => {
    await block('retry-fail');
    try {
      const job = await queued('retry-fail', csvFor('retry-fail', 30));
      const worker = await t.startWorker();
      const ended = await waitForJob(t.url, job.token, job.id, undefined, 60_000);
      expect(ended.status).toBe('FAILED');
      expect(ended.failureReason).toBe('processing failed after 3 attempts: the database refused an operation; try again, and contact support if it persists');
      await worker.stop();
    } finally {
      await unblock('retry-fail');
    }
  });
});
