/**
 * The client side of an import, as an outside user would drive it: a GraphQL multipart upload
 * streamed from disk (the file is never held in memory), then jobProgress over graphql-ws.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import { basename } from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const START_IMPORT = `mutation($input: StartImportInput!) { startImport(input: $input) { id status } }`;

export interface ProgressEvent {
  jobId: string;
  status: string;
  totalRows: number | null;
  processedRows: number;
  succeededRows: number;
  failedRows: number;
  percent: number;
  rowsPerSecond: number | null;
  etaSeconds: number | null;
}

/** Uploads the file as `input.file` of startImport (GraphQL multipart request spec); returns the job id. */
export async function uploadImport(url: string, token: string, filePath: string, input: Record<string, unknown>): Promise<string> {
  const boundary = `bulkport-bench-${randomBytes(12).toString('hex')}`;
  const operations = JSON.stringify({ query: START_IMPORT, variables: { input: { entity: 'CONTACTS', ...input, file: null } } });
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${operations}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n${JSON.stringify({ 0: ['variables.input.file'] })}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="${basename(filePath)}"\r\nContent-Type: text/csv\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const { size } = await stat(filePath);

  const req = http.request(url, {
    method: 'POST',
    headers: {
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': head.length + size + tail.length,
      'apollo-require-preflight': 'true', // Apollo's CSRF prevention refuses multipart requests without it
      authorization: `Bearer ${token}`,
    },
  });
  const response = new Promise<http.IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', reject);
  });
  response.catch(() => undefined);
  req.write(head);
  for await (const chunk of createReadStream(filePath, { highWaterMark: 256 * 1024 })) {
    if (!req.write(chunk)) await Promise.race([once(req, 'drain'), response]);
  }
  req.end(tail);

  const res = await response;
  let body = '';
  for await (const chunk of res) body += chunk;
  const parsed = JSON.parse(body) as { data?: { startImport?: { id: string } }; errors?: unknown };
  const id = parsed.data?.startImport?.id;
  if (!id) throw new Error(`startImport failed (HTTP ${res.statusCode}): ${body.slice(0, 500)}`);
  return id;
}

/**
 * Subscribes to jobProgress and resolves with the terminal event. onEvent sees every event.
 * Rejects on a GraphQL error, a closed socket, or when the deadline passes.
 */
export function waitForTerminal(wsUrl: string, token: string, jobId: string, onEvent: (e: ProgressEvent) => void, timeoutMs: number): Promise<ProgressEvent> {
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
  let last: ProgressEvent | undefined;
  const done = new Promise<ProgressEvent>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`job ${jobId} did not end within ${timeoutMs / 1000} s (last event: ${JSON.stringify(last)})`)), timeoutMs);
    client.subscribe<{ jobProgress: ProgressEvent }>(
      {
        query: `subscription($id: ID!) { jobProgress(jobId: $id) {
          jobId status totalRows processedRows succeededRows failedRows percent rowsPerSecond etaSeconds } }`,
        variables: { id: jobId },
      },
      {
        next: (msg) => {
          if (msg.errors) return reject(new Error(`jobProgress error: ${JSON.stringify(msg.errors)}`));
          last = msg.data!.jobProgress;
          onEvent(last);
        },
        error: (err) => {
          clearTimeout(timer);
          reject(err instanceof Error ? err : new Error(`jobProgress failed: ${JSON.stringify(err)}`));
        },
        complete: () => {
          clearTimeout(timer);
          if (last && ['COMPLETED', 'FAILED', 'CANCELLED'].includes(last.status)) resolve(last);
          else reject(new Error(`jobProgress completed before the job ended (last event: ${JSON.stringify(last)})`));
        },
      },
    );
  });
  return done.finally(() => client.dispose());
}

export interface JobFigures {
  id: string;
  status: string;
  totalRows: number | null;
  processedRows: number;
  succeededRows: number;
  failedRows: number;
  insertedRows: number;
  updatedRows: number;
  unchangedRows: number;
  failureReason: string | null;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
}

/** The job's final figures through the API (the counters a user would read). */
export async function fetchJob(url: string, token: string, jobId: string): Promise<JobFigures> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      query: `query($id: ID!) { job(id: $id) { id status totalRows processedRows succeededRows failedRows
        insertedRows updatedRows unchangedRows failureReason createdAt startedAt completedAt } }`,
      variables: { id: jobId },
    }),
  });
  const body = (await res.json()) as { data?: { job?: JobFigures }; errors?: unknown };
  if (!body.data?.job) throw new Error(`job(${jobId}) failed: ${JSON.stringify(body.errors ?? body)}`);
  return body.data.job;
}

export interface TimedImport {
  jobId: string;
  /** From the start of the upload to the terminal event's arrival over graphql-ws, in seconds. */
  seconds: number;
  final: ProgressEvent;
}

/** One import as a user sees it: upload, then progress until the terminal event; timed by the bench's clock. */
export async function timedImport(
  o: { apiUrl: string; wsUrl: string; token: string; csvPath: string; timeoutMs: number },
  input: Record<string, unknown> = {},
  onEvent: (e: ProgressEvent) => void = () => undefined,
): Promise<TimedImport> {
  const t0 = performance.now();
  const jobId = await uploadImport(o.apiUrl, o.token, o.csvPath, input);
  const final = await waitForTerminal(o.wsUrl, o.token, jobId, onEvent, o.timeoutMs);
  return { jobId, seconds: (performance.now() - t0) / 1000, final };
}
