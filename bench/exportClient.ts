/**
 * The client side of an export, as a user drives it: startExport over HTTP, jobProgress over
 * graphql-ws until the job ends, then the job's signed downloadUrl fetched by curl. Every time is
 * taken here, on the client's clock, so it includes what a user waits for and the server does not
 * see: queueing, the worker picking the task up, the notification, the query for the link.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { waitForTerminal } from './importClient.ts';

const run = promisify(execFile);

export async function gql(url: string, token: string, query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: any; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

export interface ClientExport {
  jobId: string;
  status: string;
  totalRows: number;
  /** startExport sent → the terminal event received. */
  toCompleted: number;
  /** startExport sent → the file fully on the client's disk (includes the query for the link). */
  withDownload: number;
  download: Download;
}

export interface Download {
  httpStatus: number;
  bytes: number;
  /** curl's own time_total for the transfer. */
  seconds: number;
}

/** Runs one export from startExport to the downloaded file at `file`. */
export async function exportAndDownload(
  o: { httpUrl: string; wsUrl: string; token: string; file: string },
  input: Record<string, unknown>,
): Promise<ClientExport> {
  const t0 = performance.now();
  const { startExport } = await gql(o.httpUrl, o.token, `mutation($i: StartExportInput!) { startExport(input: $i) { id } }`, { i: input });
  const final = await waitForTerminal(o.wsUrl, o.token, startExport.id, () => undefined, 600_000);
  const toCompleted = (performance.now() - t0) / 1000;
  const { job } = await gql(o.httpUrl, o.token, `query($id: ID!) { job(id: $id) { totalRows downloadUrl } }`, { id: startExport.id });
  const download = await curlDownload(job.downloadUrl, o.file);
  return { jobId: startExport.id, status: final.status, totalRows: job.totalRows, toCompleted, withDownload: (performance.now() - t0) / 1000, download };
}

/** `curl -o file <url>`, as a user downloads a link; curl reports the status, size and transfer time. */
export async function curlDownload(url: string, file: string, extraArgs: string[] = []): Promise<Download> {
  const { stdout } = await run('curl', ['-sS', ...extraArgs, '-o', file, '-w', '%{http_code} %{size_download} %{time_total}', url]);
  const [status, bytes, seconds] = stdout.trim().split(' ').map(Number);
  return { httpStatus: status!, bytes: bytes!, seconds: seconds! };
}
