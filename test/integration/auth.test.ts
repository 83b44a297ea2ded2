import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validContactsCsv } from '../helpers/buildCsv.ts';
import { countContacts } from '../helpers/contactsTable.ts';
import {
  allJobIds,
  CANCEL_JOB,
  fetchJob,
  gql,
  importAndWait,
  JOB_QUERY,
  LIST_JOBS,
  subscribeProgress,
  uploadImport,
  wsClient,
} from '../helpers/graphqlClient.ts';
import { storedFiles } from '../helpers/storedFiles.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

let t: TestApp;
let alpha: string; // member of workspace alpha
let beta: string; // member of workspace beta
let support: string;
let alphaJob: any;
let betaJob: any;
beforeAll(async () => {
  t = await startTestApp();
  alpha = await t.token('alpha');
  beta = await t.token('beta');
  support = await t.token('support-ws', 'support');
  alphaJob = await importAndWait(t.url, alpha, validContactsCsv(4, 'alpha'));
  betaJob = await importAndWait(t.url, beta, validContactsCsv(2, 'beta'));
});
afterAll(() => t?.stop());

const codeOf = (r: { errors?: Array<{ extensions?: { code?: string } }> }) => r.errors?.[0]?.extensions?.code;

/** Subscribes and returns the first error (or fails if events arrive instead). */
async function subscriptionError(token: string | undefined, jobId: string): Promise<any> {
  const client = wsClient(t.wsUrl, token);
  try {
    const { events, errors } = await subscribeProgress(client, jobId).done;
    expect(events).toEqual([]);
    expect(Array.isArray(errors)).toBe(true);
    return errors[0];
  } finally {
    await client.dispose();
  }
}

describe.each([
  ['no token', undefined],
  ['a malformed token', 'not-a-token'],
  ['an unknown token', `bp_${'x'.repeat(43)}`],
])('a request with %s', (_, token) => {
  it('should answer UNAUTHENTICATED to a query', async () => {
    expect(codeOf(await gql(t.url, token, LIST_JOBS, { first: 10 }))).toBe('UNAUTHENTICATED');
    const job = await gql(t.url, token, JOB_QUERY, { id: alphaJob.id });
    expect(codeOf(job)).toBe('UNAUTHENTICATED');
    expect(job.data?.job ?? null).toBeNull();
  });

  it('should answer UNAUTHENTICATED to cancelJob and to an upload, creating no job and storing no file', async () => {
    const filesBefore = storedFiles(t.app.services.config.storageDir);
    expect(codeOf(await gql(t.url, token, CANCEL_JOB, { id: alphaJob.id }))).toBe('UNAUTHENTICATED');
    const upload = await uploadImport(t.url, token, validContactsCsv(3, 'intruder'));
    expect(codeOf(upload)).toBe('UNAUTHENTICATED');
    expect(upload.data?.startImport ?? null).toBeNull();

    expect(storedFiles(t.app.services.config.storageDir)).toEqual(filesBefore);
    expect((await fetchJob(t.url, alpha, alphaJob.id)).status).toBe('COMPLETED');
  });

  it('should have its graphql-ws connection closed with 4403 Forbidden at connection_init', async () => {
    const client = wsClient(t.wsUrl, token);
    try {
      const { events, errors } = await subscribeProgress(client, alphaJob.id).done;
      expect(events).toEqual([]);
      expect(errors).toMatchObject({ code: 4403 }); // graphql-ws hands the CloseEvent to the subscriber
    } finally {
      await client.dispose();
    }
  });
});

describe('workspace isolation', () => {
  it("should answer null for another workspace's job, exactly as for an unknown id", async () => {
    const foreign = await gql(t.url, beta, JOB_QUERY, { id: alphaJob.id });
    const unknown = await gql(t.url, beta, JOB_QUERY, { id: randomUUID() });
    expect(foreign).toEqual({ data: { job: null } });
    expect(unknown).toEqual({ data: { job: null } });
    expect(await gql(t.url, beta, JOB_QUERY, { id: 'not-a-uuid' })).toEqual({ data: { job: null } });
  });

  it("should answer NOT_FOUND to a subscription to another workspace's job, as for an unknown id", async () => {
    const unknownId = randomUUID();
    const foreign = await subscriptionError(beta, alphaJob.id);
    const unknown = await subscriptionError(beta, unknownId);
    expect(foreign.extensions?.code).toBe('NOT_FOUND');
    expect(unknown.extensions?.code).toBe('NOT_FOUND');
    expect(foreign.message.replace(alphaJob.id, '<id>')).toBe(unknown.message.replace(unknownId, '<id>'));
  });

  it("should answer NOT_FOUND to cancelling another workspace's job and leave it alone", async () => {
    const unknownId = randomUUID();
    const foreign = await gql(t.url, beta, CANCEL_JOB, { id: alphaJob.id });
    const unknown = await gql(t.url, beta, CANCEL_JOB, { id: unknownId });
    expect(codeOf(foreign)).toBe('NOT_FOUND');
    expect(codeOf(unknown)).toBe('NOT_FOUND');
    expect(foreign.errors![0].message.replace(alphaJob.id, '<id>')).toBe(unknown.errors![0].message.replace(unknownId, '<id>'));
    expect(await fetchJob(t.url, alpha, alphaJob.id)).toMatchObject({ status: 'COMPLETED', succeededRows: 4 });
  });

  it('should list only the workspace’s own jobs', async () => {
    expect(await allJobIds(t.url, alpha)).toEqual([alphaJob.id]);
    expect(await allJobIds(t.url, beta)).toEqual([betaJob.id]);
  });

  it("should keep each workspace's contacts apart", async () => {
    expect(await countContacts(t.databaseUrl, 'alpha')).toBe(4);
    expect(await countContacts(t.databaseUrl, 'beta')).toBe(2);
  });
});

describe('the support role', () => {
  it("should read any workspace's job and list every workspace's jobs", async () => {
    expect(await fetchJob(t.url, support, alphaJob.id)).toMatchObject({ id: alphaJob.id, status: 'COMPLETED', succeededRows: 4 });
    expect(await fetchJob(t.url, support, betaJob.id)).toMatchObject({ id: betaJob.id, succeededRows: 2 });
    const ids = await allJobIds(t.url, support);
    expect(ids).toEqual(expect.arrayContaining([alphaJob.id, betaJob.id]));
  });

  it("should subscribe to any workspace's job", async () => {
    const client = wsClient(t.wsUrl, support);
    try {
      const { events, errors } = await subscribeProgress(client, alphaJob.id).done;
      expect(errors).toBeUndefined();
      expect(events).toEqual([expect.objectContaining({ jobId: alphaJob.id, status: 'COMPLETED', processedRows: 4 })]);
    } finally {
      await client.dispose();
    }
  });

  it('should answer FORBIDDEN to startImport, creating no job and storing no file', async () => {
    const filesBefore = storedFiles(t.app.services.config.storageDir);
    const jobsBefore = await allJobIds(t.url, support);
    const r = await uploadImport(t.url, support, validContactsCsv(3, 'support'));
    expect(codeOf(r)).toBe('FORBIDDEN');
    expect(await allJobIds(t.url, support)).toEqual(jobsBefore);
    expect(storedFiles(t.app.services.config.storageDir)).toEqual(filesBefore);
    expect(await countContacts(t.databaseUrl, 'support-ws')).toBe(0);
  });

  it('should answer FORBIDDEN to cancelJob', async () => {
    // A finished job: its owner would get it back unchanged, so the refusal comes before any state check.
    const r = await gql(t.url, support, CANCEL_JOB, { id: alphaJob.id });
    expect(codeOf(r)).toBe('FORBIDDEN');
    expect(r.data?.cancelJob ?? null).toBeNull();
    expect((await fetchJob(t.url, alpha, alphaJob.id)).status).toBe('COMPLETED');
  });
});
