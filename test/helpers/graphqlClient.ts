import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface GraphQLResponse<T = any> {
  data?: T;
  errors?: Array<{ message: string; extensions?: { code?: string; [k: string]: unknown } }>;
}

/** A plain JSON GraphQL request over HTTP, as any client would send it. */
export async function gql<T = any>(url: string, token: string | undefined, query: string, variables: Record<string, unknown> = {}): Promise<GraphQLResponse<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GraphQLResponse<T>;
}

export const START_IMPORT = `mutation($input: StartImportInput!) {
  startImport(input: $input) { id status kind entity fileName totalRows processedRows }
}`;

/**
 * A GraphQL multipart request (the spec curl and apollo-upload-client follow) carrying one file
 * as `input.file`. Returns the HTTP status too, for requests refused before GraphQL runs.
 */
export async function uploadImport(
  url: string,
  token: string | undefined,
  csv: string | Buffer,
  input: Record<string, unknown> = {},
  fileName = 'contacts.csv',
): Promise<GraphQLResponse & { status: number }> {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: START_IMPORT, variables: { input: { entity: 'CONTACTS', file: null, ...input } } }));
  form.append('map', JSON.stringify({ 0: ['variables.input.file'] }));
  form.append('0', new Blob([csv as BlobPart], { type: 'text/csv' }), fileName);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'apollo-require-preflight': 'true', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: form,
  });
  return { status: res.status, ...((await res.json()) as GraphQLResponse) };
}

export const JOB_FIELDS = `id kind entity status fileName totalRows processedRows succeededRows failedRows percent
  rowsPerSecond etaSeconds failureReason createdAt startedAt completedAt insertedRows updatedRows unchangedRows`;

/** Polls job(id) until it reaches one of the statuses (bounded: fails after timeoutMs). */
export async function waitForJob(url: string, token: string, id: string, statuses = ['COMPLETED', 'FAILED', 'CANCELLED'], timeoutMs = 60_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await gql(url, token, `query($id: ID!) { job(id: $id) { ${JOB_FIELDS} } }`, { id });
    const job = r.data?.job;
    if (job && statuses.includes(job.status)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} did not reach ${statuses.join('/')} in ${timeoutMs} ms: ${JSON.stringify(r)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** All row errors of a job, following the cursor. */
export async function allRowErrors(url: string, token: string, id: string, pageSize = 100): Promise<any[]> {
  const out: any[] = [];
  let after: string | null = null;
  for (;;) {
    const r: GraphQLResponse = await gql(
      url,
      token,
      `query($id: ID!, $first: Int, $after: String) { job(id: $id) { errors(first: $first, after: $after) {
         totalCount nodes { row column code message value } pageInfo { hasNextPage endCursor } } } }`,
      { id, first: pageSize, after },
    );
    const conn = r.data!.job.errors;
    out.push(...conn.nodes);
    if (!conn.pageInfo.hasNextPage) return out;
    after = conn.pageInfo.endCursor;
  }
}

export function wsClient(wsUrl: string, token: string | undefined): Client {
  return createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: true,
  });
}

/** Collects every jobProgress event until the subscription completes (or errors). */
export function collectProgress(client: Client, jobId: string): Promise<{ events: any[]; errors?: unknown }> {
  return new Promise((resolve) => {
    const events: any[] = [];
    client.subscribe(
      {
        query: `subscription($id: ID!) { jobProgress(jobId: $id) { jobId status totalRows processedRows succeededRows failedRows percent rowsPerSecond etaSeconds } }`,
        variables: { id: jobId },
      },
      {
        next: (msg) => {
          if (msg.errors) resolve({ events, errors: msg.errors });
          else events.push((msg.data as any).jobProgress);
        },
        error: (errors) => resolve({ events, errors }),
        complete: () => resolve({ events }),
      },
    );
  });
}
