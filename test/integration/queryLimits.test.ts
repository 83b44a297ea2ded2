import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCsv, contactRow, CONTACTS_HEADER } from '../helpers/buildCsv.ts';
import { allJobIds, collectProgress, gqlWithStatus, importAndWait, JOB_PROGRESS, wsClient } from '../helpers/graphqlClient.ts';
import { RawGraphQLSocket } from '../helpers/rawWebSocket.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

const BAD_ROWS = 150;
let t: TestApp;
let token: string;
/** A completed import with BAD_ROWS row errors (invalid emails) among 20 good rows. */
let jobId: string;
beforeAll(async () => {
  t = await startTestApp();
  token = await t.token('limits');
  const rows = [
    ...Array.from({ length: 20 }, (_, i) => contactRow(i + 1)),
    ...Array.from({ length: BAD_ROWS }, (_, i) => ['not-an-email', `Bad${i}`, '', '', '', '']),
  ];
  jobId = (await importAndWait(t.url, token, buildCsv([CONTACTS_HEADER, ...rows]))).id;
  for (let i = 0; i < 3; i++) await importAndWait(t.url, token, buildCsv([CONTACTS_HEADER, contactRow(100 + i)]));
});
afterAll(() => t?.stop());

const ERROR_PAGE = 'totalCount nodes { row column code message value }';
/** Issue 8's example: a thousand jobs, each with two aliased pages of a thousand row errors. */
const EXPENSIVE = `query { jobs(first: 1000) { nodes {
  a: errors(first: 1000) { ${ERROR_PAGE} }
  b: errors(first: 1000) { ${ERROR_PAGE} } } } }`;

/**
 * How many connections the API checks out of its pool while fn runs: every statement the API sends,
 * through Prisma or raw SQL, token lookups included, takes one. Requests of a test run one at a time.
 */
async function apiCheckouts(fn: () => Promise<unknown>): Promise<number> {
  let n = 0;
  const count = () => n++;
  t.app.apiPool!.on('acquire', count);
  try {
    await fn();
  } finally {
    t.app.apiPool!.off('acquire', count);
  }
  return n;
}

describe('the query cost limit over HTTP', () => {
  it('should refuse the expensive query with QUERY_TOO_COMPLEX, saying the cost, the limit and what to do, before any database work', async () => {
    // The counter sees the API's work: an ordinary page of jobs makes some.
    expect(await apiCheckouts(() => allJobIds(t.url, token))).toBeGreaterThan(0);

    let r!: Awaited<ReturnType<typeof gqlWithStatus>>;
    expect(await apiCheckouts(async () => (r = await gqlWithStatus(t.url, token, EXPENSIVE)))).toBe(0);
    expect(r.status).toBe(400);
    expect(r.data).toBeUndefined();
    expect(r.errors).toHaveLength(1);
    const { extensions, message } = r.errors![0];
    expect(extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', maxCost: 50_000 });
    expect(extensions!.cost).toBeGreaterThan(10_000_000);
    expect(message).toContain(`would cost ${(extensions!.cost as number).toLocaleString('en-US')}, over the limit of 50,000`);
    expect(message).toMatch(/smaller `first`.*`after`/);
  });

  it('should refuse it even without a token, without looking a token up', async () => {
    let r!: Awaited<ReturnType<typeof gqlWithStatus>>;
    expect(await apiCheckouts(async () => (r = await gqlWithStatus(t.url, undefined, EXPENSIVE)))).toBe(0);
    expect(r.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
  });

  it('should count aliases separately: a page of 1000 jobs runs, the same page under 50 aliases is refused', async () => {
    const page = (alias: string) => `${alias}: jobs(first: 1000) { nodes { id } }`;
    const one = await gqlWithStatus(t.url, token, `query { ${page('a')} }`);
    expect(one.errors).toBeUndefined();
    expect(one.data.a.nodes).toHaveLength(4);
    const aliases = Array.from({ length: 50 }, (_, i) => page(`a${i}`)).join('\n');
    const many = await gqlWithStatus(t.url, token, `query { ${aliases} }`);
    expect(many.errors?.[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', cost: 50 * (100 + 1 + 1000) });
  });

  it('should follow fragments: the expensive query written with fragments costs the same and is refused the same', async () => {
    const inline = await gqlWithStatus(t.url, token, EXPENSIVE);
    const fragments = await gqlWithStatus(
      t.url,
      token,
      `query($n: Int = 1000) { jobs(first: $n) { ...List } }
       fragment List on JobConnection { nodes { ...TwoPages } }
       fragment TwoPages on Job { a: errors(first: $n) { ...Page } ... on Job { b: errors(first: $n) { ...Page } } }
       fragment Page on RowErrorConnection { ${ERROR_PAGE} }`,
    );
    expect(fragments.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(fragments.errors?.[0].extensions?.cost).toBe(inline.errors?.[0].extensions?.cost);
  });

  it("should serve a normal paging query and the web app's queries", async () => {
    expect(await allJobIds(t.url, token, {}, 1)).toHaveLength(4);
    const summary = 'id kind entity status fileName totalRows processedRows succeededRows failedRows percent rowsPerSecond etaSeconds createdAt';
    const history = await gqlWithStatus(
      t.url,
      token,
      `query Jobs($first: Int, $after: String) { jobs(first: $first, after: $after) { nodes { ${summary} } pageInfo { hasNextPage endCursor } } }`,
      { first: 20 },
    );
    expect(history.errors).toBeUndefined();
    expect(history.data.jobs.nodes).toHaveLength(4);
    const detail = await gqlWithStatus(
      t.url,
      token,
      `query JobDetail($id: ID!) { job(id: $id) { ${summary} failureReason startedAt completedAt duplicateStrategy insertedRows
         updatedRows unchangedRows ignoredColumns downloadUrl downloadExpiresAt } }`,
      { id: jobId },
    );
    expect(detail.data.job).toMatchObject({ id: jobId, status: 'COMPLETED', failedRows: BAD_ROWS });
    const rowErrors = await gqlWithStatus(
      t.url,
      token,
      `query RowErrors($id: ID!, $first: Int, $after: String) { job(id: $id) { id
         errors(first: $first, after: $after) { ${ERROR_PAGE} pageInfo { hasNextPage endCursor } } } }`,
      { id: jobId, first: 1000 },
    );
    expect(rowErrors.errors).toBeUndefined();
    expect(rowErrors.data.job.errors.nodes).toHaveLength(BAD_ROWS);
    const progress = wsClient(t.wsUrl, token);
    try {
      const { events, errors } = await collectProgress(progress, jobId);
      expect(errors).toBeUndefined();
      expect(events.at(-1)).toMatchObject({ jobId, status: 'COMPLETED' });
    } finally {
      await progress.dispose();
    }
  });
});

describe('the query cost limit over graphql-ws', () => {
  it('should refuse the expensive query on its own subscription id before any database work, and keep serving the connection', async () => {
    const s = await RawGraphQLSocket.acknowledged(t.wsUrl, token);
    let refused: any;
    const checkouts = await apiCheckouts(async () => {
      s.send({ id: 'costly', type: 'subscribe', payload: { query: EXPENSIVE } });
      refused = await s.next((m) => m.id === 'costly');
    });
    expect(checkouts).toBe(0);
    expect(refused.type).toBe('error');
    expect(refused.payload).toHaveLength(1);
    expect(refused.payload[0].message).toMatch(/over the limit of 50,000/);
    expect(refused.payload[0].extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', cost: expect.any(Number), maxCost: 50_000 });
    expect(s.isOpen).toBe(true);
    s.send({ id: 'progress', type: 'subscribe', payload: { query: JOB_PROGRESS, variables: { id: jobId } } });
    expect(await s.next((m) => m.id === 'progress' && m.type === 'complete')).toBeDefined();
    s.close();
  });
});

describe('row errors inside a list of jobs', () => {
  const inList = (first: number) => `query { jobs(first: 10) { nodes { id errors(first: ${first}) { totalCount nodes { row } } } } }`;

  it('should refuse more than 100 per job with BAD_USER_INPUT before any database work, pointing to job(id)', async () => {
    let r!: Awaited<ReturnType<typeof gqlWithStatus>>;
    expect(await apiCheckouts(async () => (r = await gqlWithStatus(t.url, token, inList(101))))).toBe(0);
    expect(r.status).toBe(400);
    expect(r.data).toBeUndefined();
    expect(r.errors).toHaveLength(1);
    expect(r.errors![0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors![0].message).toMatch(/errors\(first: 101\) inside jobs may ask for at most 100.*job\(id\)/);
  });

  it('should serve 100 per job inside jobs, and all of them through job(id)', async () => {
    const list = await gqlWithStatus(t.url, token, inList(100));
    expect(list.errors).toBeUndefined();
    const job = list.data.jobs.nodes.find((j: { id: string }) => j.id === jobId);
    expect(job.errors.totalCount).toBe(BAD_ROWS);
    expect(job.errors.nodes).toHaveLength(100);
    const one = await gqlWithStatus(t.url, token, `query($id: ID!) { job(id: $id) { errors(first: 1000) { nodes { row } } } }`, { id: jobId });
    expect(one.data.job.errors.nodes).toHaveLength(BAD_ROWS);
  });
});
