import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface GraphQLResponse<T = any> {
  data?: T;
  errors?: Array<{ message: string; extensions?: { code?: string; [k: string]: unknown } }>;
}

/** A plain JSON GraphQL request over HTTP, as any client would send it. */
export async function gql<T = any>(
  url: string,
  token: string | undefined,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphQLResponse<T>> {
  const { status: _status, ...body } = await gqlWithStatus<T>(url, token, query, variables);
  return body;
}

/** gql, with the HTTP status of the answer. */
export async function gqlWithStatus<T = any>(
  url: string,
  token: string | undefined,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphQLResponse<T> & { status: number }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, ...((await res.json()) as GraphQLResponse<T>) };
}

export const START_IMPORT = `mutation($input: StartImportInput!) {
  startImport(input: $input) { id status kind entity fileName encoding totalRows processedRows }
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

export const JOB_QUERY = `query($id: ID!) { job(id: $id) { ${JOB_FIELDS} ignoredColumns duplicateStrategy encoding } }`;

/** job(id) with every field, or null when the viewer cannot see it; throws on a GraphQL error. */
export async function fetchJob(url: string, token: string, id: string): Promise<any | null> {
  const r = await gql(url, token, JOB_QUERY, { id });
  if (r.errors) throw new Error(`job(${id}) failed: ${JSON.stringify(r.errors)}`);
  return r.data.job;
}

/** Polls job(id) until `until` holds (bounded: fails after timeoutMs). */
export async function pollJob(url: string, token: string, id: string, until: (job: any) => boolean, timeoutMs = 60_000, intervalMs = 100): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await gql(url, token, JOB_QUERY, { id });
    const job = r.data?.job;
    if (job && until(job)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} did not reach the expected state in ${timeoutMs} ms: ${JSON.stringify(r)}`);
    await new Promise((res) => setTimeout(res, intervalMs));
  }
}

/** Polls job(id) until it reaches one of the statuses (bounded: fails after timeoutMs). */
export function waitForJob(url: string, token: string, id: string, statuses = ['COMPLETED', 'FAILED', 'CANCELLED'], timeoutMs = 60_000): Promise<any> {
  return pollJob(url, token, id, (job) => statuses.includes(job.status), timeoutMs);
}

/** Uploads a file with the multipart helper and waits for the job to end; throws if the upload is refused. */
export async function importAndWait(url: string, token: string, csv: string | Buffer, input: Record<string, unknown> = {}): Promise<any> {
  const r = await uploadImport(url, token, csv, input);
  if (r.errors || !r.data?.startImport) throw new Error(`startImport refused (HTTP ${r.status}): ${JSON.stringify(r.errors)}`);
  return waitForJob(url, token, r.data.startImport.id);
}

export const CANCEL_JOB = `mutation($id: ID!) { cancelJob(id: $id) { ${JOB_FIELDS} } }`;

export const LIST_JOBS = `query($first: Int, $after: String, $status: JobStatus, $kind: JobKind) {
  jobs(first: $first, after: $after, status: $status, kind: $kind) { nodes { id status kind createdAt } pageInfo { hasNextPage endCursor } }
}`;

/** Every job the viewer can list (following the cursor), newest first. */
export async function allJobIds(url: string, token: string, filter: { status?: string; kind?: string } = {}, pageSize = 100): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  for (;;) {
    const r: GraphQLResponse = await gql(url, token, LIST_JOBS, { first: pageSize, after, ...filter });
    if (r.errors) throw new Error(`jobs failed: ${JSON.stringify(r.errors)}`);
    ids.push(...r.data.jobs.nodes.map((j: { id: string }) => j.id));
    if (!r.data.jobs.pageInfo.hasNextPage) return ids;
    after = r.data.jobs.pageInfo.endCursor;
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

export const JOB_PROGRESS = `subscription($id: ID!) { jobProgress(jobId: $id) {
  jobId status totalRows processedRows succeededRows failedRows percent rowsPerSecond etaSeconds } }`;

export interface ProgressSubscription {
  /** Events received so far, in order. */
  events: any[];
  /** When each event arrived (Date.now()), index for index with events. */
  receivedAt: number[];
  /** Resolves with the first event (or rejects if the subscription ends before one). */
  first: Promise<any>;
  /** Resolves when the subscription completes or errors. */
  done: Promise<{ events: any[]; errors?: any }>;
  /** Stops listening (sends `complete` to the server). */
  unsubscribe: () => void;
}

/** Subscribes to jobProgress (with JOB_PROGRESS's fields, or query's) and records every event until the subscription completes (or errors). */
export function subscribeProgress(client: Client, jobId: string, query = JOB_PROGRESS): ProgressSubscription {
  const events: any[] = [];
  const receivedAt: number[] = [];
  let gotFirst!: (e: any) => void;
  let noFirst!: (err: Error) => void;
  const first = new Promise<any>((res, rej) => ((gotFirst = res), (noFirst = rej)));
  first.catch(() => undefined);
  let unsubscribe!: () => void;
  const done = new Promise<{ events: any[]; errors?: any }>((resolve) => {
    const end = (errors?: any) => {
      noFirst(new Error(`subscription ended before its first event: ${JSON.stringify(errors)}`));
      resolve(errors === undefined ? { events } : { events, errors });
    };
    unsubscribe = client.subscribe(
      { query, variables: { id: jobId } },
      {
        next: (msg) => {
          if (msg.errors) return end(msg.errors);
          events.push((msg.data as any).jobProgress);
          receivedAt.push(Date.now());
          if (events.length === 1) gotFirst(events[0]);
        },
        error: (errors) => end(errors),
        complete: () => end(),
      },
    );
  });
  return { events, receivedAt, first, done, unsubscribe };
}

/** Collects every jobProgress event until the subscription completes (or errors). */
export function collectProgress(client: Client, jobId: string): Promise<{ events: any[]; errors?: unknown }> {
  return subscribeProgress(client, jobId).done;
}
