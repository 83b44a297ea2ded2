import { parse } from 'csv-parse/sync';
import { gql, JOB_FIELDS, waitForJob, type GraphQLResponse } from './graphqlClient.ts';

export const START_EXPORT = `mutation($input: StartExportInput!) {
  startExport(input: $input) { id kind entity status totalRows processedRows downloadUrl downloadExpiresAt }
}`;

export const EXPORT_JOB_QUERY = `query($id: ID!) { job(id: $id) { ${JOB_FIELDS} downloadUrl downloadExpiresAt } }`;

/** startExport as any client sends it; the raw response, errors included. */
export function requestExport(url: string, token: string, input: Record<string, unknown>): Promise<GraphQLResponse> {
  return gql(url, token, START_EXPORT, { input });
}

/** Starts an export and returns the QUEUED job; throws when the API refuses it. */
export async function startExport(url: string, token: string, input: Record<string, unknown>): Promise<any> {
  const r = await requestExport(url, token, input);
  if (r.errors || !r.data?.startExport) throw new Error(`startExport refused: ${JSON.stringify(r.errors)}`);
  return r.data.startExport;
}

/** job(id) with the export fields (downloadUrl, downloadExpiresAt); throws on a GraphQL error. */
export async function fetchExportJob(url: string, token: string, id: string): Promise<any | null> {
  const r = await gql(url, token, EXPORT_JOB_QUERY, { id });
  if (r.errors) throw new Error(`job(${id}) failed: ${JSON.stringify(r.errors)}`);
  return r.data.job;
}

/** Starts an export, waits for it to end and returns the job with its (fresh) download link. */
export async function exportAndWait(url: string, token: string, input: Record<string, unknown>, timeoutMs = 60_000): Promise<any> {
  const started = await startExport(url, token, input);
  await waitForJob(url, token, started.id, undefined, timeoutMs);
  return fetchExportJob(url, token, started.id);
}

export interface Download {
  status: number;
  headers: Headers;
  body: Buffer;
}

/** GET of a download link, optionally carrying a bearer token (as a browser extension or script might). */
export async function download(link: string, token?: string): Promise<Download> {
  const res = await fetch(link, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** Exports, downloads the result and returns both; throws unless the export COMPLETED and the download answered 200. */
export async function exportAndDownload(url: string, token: string, input: Record<string, unknown>): Promise<{ job: any; file: Download }> {
  const job = await exportAndWait(url, token, input);
  if (job.status !== 'COMPLETED' || !job.downloadUrl) throw new Error(`export did not complete: ${JSON.stringify(job)}`);
  const file = await download(job.downloadUrl);
  if (file.status !== 200) throw new Error(`download answered ${file.status}: ${file.body.toString()}`);
  return { job, file };
}

/** A downloaded CSV as rows of cells (the header is the first row), read the way a strict RFC 4180 reader would. */
export function parseCsv(text: string | Buffer): string[][] {
  return parse(text) as string[][];
}

/** A downloaded JSONL file: one JSON.parse per line; every line, the last included, ends with a newline. */
export function parseJsonl(text: string): any[] {
  if (text === '') return [];
  if (!text.endsWith('\n')) throw new Error(`a JSONL file must end with a newline: ${JSON.stringify(text.slice(-40))}`);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line));
}

/** Replaces one query parameter of a link, as someone editing the URL by hand would. */
export function withParam(link: string, name: string, value: string): string {
  const u = new URL(link);
  u.searchParams.set(name, value);
  return u.toString();
}
