import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validContactsCsv } from '../helpers/buildCsv.ts';
import { gql, LIST_JOBS, uploadImport, waitForJob } from '../helpers/graphqlClient.ts';
import { lockTable, type TableLock } from '../helpers/tableLock.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

const TIMEOUT_MS = 300;
let t: TestApp;
let token: string;
beforeAll(async () => {
  // Development mode, so that the driver's message (which says why the statement ended) reaches the test.
  t = await startTestApp({ apiStatementTimeoutMs: TIMEOUT_MS, nodeEnv: 'development' });
  token = await t.token('timeouts');
});
afterAll(() => t?.stop());

/** Resolves with the promise's value, or rejects once ms have passed without one. */
function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

describe("the API's statement timeout", () => {
  it("should be set on the API's connections and not on the worker's", async () => {
    const show = async (pool: { query: (sql: string) => Promise<{ rows: Array<{ statement_timeout: string }> }> }) =>
      (await pool.query('SHOW statement_timeout')).rows[0].statement_timeout;
    expect(await show(t.app.apiPool!)).toBe(`${TIMEOUT_MS}ms`);
    expect(await show(t.app.services.pool)).toBe('0');
  });

  it('should cancel an API read that waits longer than the timeout, and answer with an error while the table is still locked', async () => {
    const lock = await lockTable(t.databaseUrl, 'jobs');
    try {
      const r = await within(10_000, gql(t.url, token, LIST_JOBS, { first: 5 }), 'jobs while the table is locked');
      expect(r.errors?.[0].message).toMatch(/canceling statement due to statement timeout/);
      expect(r.errors?.[0].extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    } finally {
      await lock.release();
    }
    const after = await gql(t.url, token, LIST_JOBS, { first: 5 });
    expect(after.errors).toBeUndefined();
  });

  it("should not cut off the worker's statements: an import waits out a lock many times the API's timeout and completes", async () => {
    let lock: TableLock | undefined = await lockTable(t.databaseUrl, 'contacts');
    try {
      const started = await uploadImport(t.url, token, validContactsCsv(50, 'patient'));
      expect(started.errors).toBeUndefined();
      const deadline = Date.now() + 30_000;
      for (;;) {
        const waiting = await lock.waiting();
        expect(waiting.map((w) => w.applicationName)).not.toContain('bulkport-api');
        if (waiting.some((w) => w.waitedMs > 5 * TIMEOUT_MS)) break;
        if (Date.now() > deadline) throw new Error(`no worker statement waited on the lock: ${JSON.stringify(waiting)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await lock.release();
      lock = undefined;
      const job = await waitForJob(t.url, token, started.data.startImport.id);
      expect(job).toMatchObject({ status: 'COMPLETED', succeededRows: 50, failedRows: 0 });
    } finally {
      await lock?.release();
    }
  });
});
