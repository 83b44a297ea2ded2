import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validContactsCsv } from '../helpers/buildCsv.ts';
import { download, exportAndWait, fetchExportJob } from '../helpers/exportClient.ts';
import { fetchJob, importAndWait } from '../helpers/graphqlClient.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Retention: the files of jobs that ended more than fileRetentionDays ago are deleted by the
 * periodic retention_sweep task; the jobs stay, with their counts, and without a link.
 */
describe('file retention', () => {
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    t = await startTestApp({ fileRetentionDays: 7 });
    token = await t.token('retention');
  });
  afterAll(() => t?.stop());

  async function keysOf(jobId: string): Promise<{ file_key: string | null; result_key: string | null }> {
    const { rows } = await t.app.services.pool.query(`SELECT file_key, result_key FROM jobs WHERE id = $1`, [jobId]);
    return rows[0];
  }
  const stored = (key: string) => fs.existsSync(path.join(t.app.services.config.storageDir, key));
  const endedDaysAgo = (jobId: string, days: number) =>
    t.app.services.pool.query(`UPDATE jobs SET completed_at = now() - make_interval(days => $2) WHERE id = $1`, [jobId, days]);

  it('should delete the export and upload files of jobs that ended more than FILE_RETENTION_DAYS ago, and keep the jobs with their counts', async () => {
    const imported = await importAndWait(t.url, token, validContactsCsv(30, 'kept'));
    expect(imported).toMatchObject({ status: 'COMPLETED', insertedRows: 30 });
    const oldExport = await exportAndWait(t.url, token, { entity: 'CONTACTS' });
    const recentExport = await exportAndWait(t.url, token, { entity: 'CONTACTS', format: 'JSONL' });
    expect([oldExport.status, recentExport.status]).toEqual(['COMPLETED', 'COMPLETED']);

    const uploadKey = (await keysOf(imported.id)).file_key!;
    const oldKey = (await keysOf(oldExport.id)).result_key!;
    const recentKey = (await keysOf(recentExport.id)).result_key!;
    expect([stored(uploadKey), stored(oldKey), stored(recentKey)]).toEqual([true, true, true]);

    await endedDaysAgo(imported.id, 8);
    await endedDaysAgo(oldExport.id, 8);
    await endedDaysAgo(recentExport.id, 6); // still within the retention period
    await t.app.services.pool.query(`SELECT graphile_worker.add_job('retention_sweep', '{}')`);

    const deadline = Date.now() + 30_000;
    const swept = async () => {
      const [imp, exp] = [await keysOf(imported.id), await keysOf(oldExport.id)];
      return imp.file_key === null && exp.result_key === null && !stored(uploadKey) && !stored(oldKey);
    };
    while (!(await swept()) && Date.now() < deadline) await sleep(100);
    expect(await keysOf(oldExport.id)).toEqual({ file_key: null, result_key: null });
    expect((await keysOf(imported.id)).file_key).toBeNull();
    expect([stored(uploadKey), stored(oldKey)]).toEqual([false, false]);

    // The old export remains, with its counts and without a link; its old link no longer serves a file.
    const job = await fetchExportJob(t.url, token, oldExport.id);
    expect(job).toMatchObject({ status: 'COMPLETED', totalRows: 30, processedRows: 30, downloadUrl: null, downloadExpiresAt: null });
    const res = await download(oldExport.downloadUrl);
    expect(res.status).not.toBe(200);
    expect(res.body.toString('utf8')).not.toContain('kept1@example.com');
    expect(await fetchJob(t.url, token, imported.id)).toMatchObject({ status: 'COMPLETED', totalRows: 30, insertedRows: 30, failedRows: 0 });

    // The recent export keeps its file and its link.
    expect(stored(recentKey)).toBe(true);
    const recent = await fetchExportJob(t.url, token, recentExport.id);
    expect(recent.downloadUrl).not.toBeNull();
    expect((await download(recent.downloadUrl)).status).toBe(200);
  });
});
