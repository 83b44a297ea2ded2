import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validContactsCsv } from '../helpers/buildCsv.ts';
import { allJobIds, gql, importAndWait, LIST_JOBS } from '../helpers/graphqlClient.ts';
import { withDatabase } from '../helpers/testDatabase.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

let t: TestApp;
let token: string;
/** The workspace's jobs in creation order: COMPLETED, FAILED, COMPLETED, FAILED, COMPLETED. */
let created: Array<{ id: string; status: string }>;
let elsewhere: { token: string; jobId: string };
beforeAll(async () => {
  t = await startTestApp();
  token = await t.token('pager');
  created = [];
  for (let i = 0; i < 5; i++) {
    const file = i % 2 === 0 ? validContactsCsv(2, `job${i}-`) : 'email,last_name\nx@example.com,X\n';
    const job = await importAndWait(t.url, token, file);
    created.push({ id: job.id, status: job.status });
  }
  // Another workspace's job never shows up in this one's list.
  const elsewhereToken = await t.token('elsewhere');
  elsewhere = { token: elsewhereToken, jobId: (await importAndWait(t.url, elsewhereToken, validContactsCsv(1, 'elsewhere'))).id };
});
afterAll(() => t?.stop());

const newestFirst = (jobs: Array<{ id: string }>) => jobs.map((j) => j.id).reverse();

async function pages(args: Record<string, unknown>, pageSize: number, as = token) {
  const out: Array<{ ids: string[]; hasNextPage: boolean }> = [];
  let after: string | null = null;
  for (;;) {
    const r: any = await gql(t.url, as, LIST_JOBS, { ...args, first: pageSize, after });
    expect(r.errors).toBeUndefined();
    const { nodes, pageInfo } = r.data.jobs;
    out.push({ ids: nodes.map((n: { id: string }) => n.id), hasNextPage: pageInfo.hasNextPage });
    if (!pageInfo.hasNextPage) return out;
    expect(pageInfo.endCursor).toEqual(expect.any(String));
    after = pageInfo.endCursor;
  }
}

describe('listing jobs', () => {
  it('should page through jobs newest first with cursors, without repeating or skipping any', async () => {
    expect(created.map((j) => j.status)).toEqual(['COMPLETED', 'FAILED', 'COMPLETED', 'FAILED', 'COMPLETED']);
    const result = await pages({}, 2);
    expect(result.map((p) => p.ids.length)).toEqual([2, 2, 1]);
    expect(result.map((p) => p.hasNextPage)).toEqual([true, true, false]);
    expect(result.flatMap((p) => p.ids)).toEqual(newestFirst(created));
  });

  it('should filter by status, across pages', async () => {
    const failed = await pages({ status: 'FAILED' }, 1);
    expect(failed.flatMap((p) => p.ids)).toEqual(newestFirst(created.filter((j) => j.status === 'FAILED')));
    const completed = await pages({ status: 'COMPLETED' }, 2);
    expect(completed.flatMap((p) => p.ids)).toEqual(newestFirst(created.filter((j) => j.status === 'COMPLETED')));
    expect(await allJobIds(t.url, token, { status: 'RUNNING' })).toEqual([]);
  });

  it('should filter by kind', async () => {
    expect(await allJobIds(t.url, token, { kind: 'IMPORT' })).toEqual(newestFirst(created));
    expect(await allJobIds(t.url, token, { kind: 'EXPORT' })).toEqual([]);
    expect(await allJobIds(t.url, token, { kind: 'IMPORT', status: 'FAILED' })).toEqual(newestFirst(created.filter((j) => j.status === 'FAILED')));
  });

  it('should return the fields of each job in the list', async () => {
    const r = await gql(t.url, token, LIST_JOBS, { first: 1 });
    expect(r.data.jobs.nodes[0]).toMatchObject({ id: created[4].id, status: 'COMPLETED', kind: 'IMPORT' });
    expect(Date.parse(r.data.jobs.nodes[0].createdAt)).not.toBeNaN();
  });

  it('should answer BAD_USER_INPUT for a page size out of range or a cursor it did not issue', async () => {
    for (const variables of [{ first: -1 }, { first: 100_000 }, { first: 2, after: 'bm90LWEtY3Vyc29y' }, { first: 2, after: '%%%' }]) {
      const r = await gql(t.url, token, LIST_JOBS, variables);
      expect(r.errors?.[0].extensions?.code, JSON.stringify(variables)).toBe('BAD_USER_INPUT');
    }
  });

  it('should return no jobs for first: 0', async () => {
    const r = await gql(t.url, token, LIST_JOBS, { first: 0 });
    expect(r.data.jobs.nodes).toEqual([]);
  });

  it('should not skip jobs created within the same millisecond when paging', async () => {
    const sameMs = await t.token('same-ms');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await importAndWait(t.url, sameMs, validContactsCsv(1, `ms${i}-`))).id);
    await withDatabase(t.databaseUrl, (c) =>
      c.query(
        `UPDATE jobs SET created_at = '2026-01-01T00:00:00.000Z'::timestamptz + (ord * interval '100 microseconds')
               FROM unnest($1::uuid[]) WITH ORDINALITY AS x(id, ord) WHERE jobs.id = x.id`,
        [ids],
      ),
    );
    const result = await pages({}, 1, sameMs);
    expect(result.flatMap((p) => p.ids)).toEqual([...ids].reverse());
  });

  it("should answer another workspace's job as a cursor exactly like an unknown one, so a cursor cannot probe for ids", async () => {
    // The other workspace's own endCursor, as it would leak; and a cursor of the same form naming no job.
    const own = await gql(t.url, elsewhere.token, LIST_JOBS, { first: 1 });
    const foreign = own.data.jobs.pageInfo.endCursor as string;
    expect(JSON.parse(Buffer.from(foreign, 'base64url').toString())).toEqual([elsewhere.jobId]);
    const unknown = Buffer.from(JSON.stringify([randomUUID()])).toString('base64url');
    const answers = [];
    for (const after of [foreign, unknown]) {
      const r = await gql(t.url, token, LIST_JOBS, { first: 10, after });
      expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      answers.push(r);
    }
    expect(answers[0]).toEqual(answers[1]);
    // Filters make no difference either.
    const filtered = await gql(t.url, token, LIST_JOBS, { first: 10, after: foreign, status: 'COMPLETED' });
    expect(filtered).toEqual(answers[1]);
  });

  it("should let a support token page on from any workspace's job", async () => {
    const support = await t.token('support-desk', 'support');
    const r = await gql(t.url, support, LIST_JOBS, { first: 1000, after: Buffer.from(JSON.stringify([elsewhere.jobId])).toString('base64url') });
    expect(r.errors).toBeUndefined();
    // Everything created before the other workspace's job, this workspace's five among them.
    const ids: string[] = r.data.jobs.nodes.map((n: { id: string }) => n.id);
    expect(ids.filter((id) => created.some((c) => c.id === id))).toEqual(newestFirst(created));
    expect(ids).not.toContain(elsewhere.jobId);
  });

  it('should answer an empty last page, not an error, after the oldest job', async () => {
    const oldest = (await pages({}, 5)).flatMap((p) => p.ids).at(-1)!;
    const r = await gql(t.url, token, LIST_JOBS, { first: 5, after: Buffer.from(JSON.stringify([oldest])).toString('base64url') });
    expect(r.errors).toBeUndefined();
    expect(r.data.jobs).toEqual({ nodes: [], pageInfo: { hasNextPage: false, endCursor: null } });
  });
});
