/**
 * A typed Bulkport client in one file: uploads a CSV file, follows the import live, and pages
 * through its row errors. Every operation comes from examples/operations/*.graphql and every
 * type from examples/generated/ (graphql-codegen's client preset, run by `npm run codegen`):
 * if the API changes in a way that breaks this script, `npm run typecheck` fails.
 *
 *   BULKPORT_URL=http://localhost:4000/graphql BULKPORT_TOKEN=bp_… npx tsx examples/importContacts.ts contacts.csv [CONTACTS|INVOICES]
 *
 * Exit code: 0 when every row was imported, 2 when some rows failed, 1 otherwise.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import {
  JobProgressDocument,
  JobResultDocument,
  StartImportDocument,
  type Entity,
  type JobProgressSubscription,
  type JobResultQuery,
  type StartImportMutationVariables,
  type TypedDocumentString,
} from './generated/graphql.ts';

const url = process.env.BULKPORT_URL ?? 'http://localhost:4000/graphql';
const token = process.env.BULKPORT_TOKEN;

/** One GraphQL request over HTTP; the result's type follows from the document. */
async function request<R, V>(document: TypedDocumentString<R, V>, variables: V): Promise<R> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: document.toString(), variables }),
  });
  const body = (await res.json()) as { data?: R; errors?: Array<{ message: string }> };
  if (body.errors?.length || !body.data) throw new Error(body.errors?.map((e) => e.message).join('; ') ?? `HTTP ${res.status}`);
  return body.data;
}

/** startImport as a GraphQL multipart request: the file travels as a part, `null` in the JSON. */
async function startImport(variables: StartImportMutationVariables, file: string): Promise<string> {
  const form = new FormData();
  const operations = { query: StartImportDocument.toString(), variables: { input: { ...variables.input, file: null } } };
  form.append('operations', JSON.stringify(operations));
  form.append('map', JSON.stringify({ 0: ['variables.input.file'] }));
  form.append('0', variables.input.file, path.basename(file));
  const res = await fetch(url, {
    method: 'POST',
    // Apollo's CSRF prevention accepts a multipart request only with this header.
    headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true' },
    body: form,
  });
  const body = (await res.json()) as { data?: { startImport: { id: string } }; errors?: Array<{ message: string }> };
  if (!body.data) throw new Error(body.errors?.map((e) => e.message).join('; ') ?? `HTTP ${res.status}`);
  return body.data.startImport.id;
}

/** Prints jobProgress events until the job ends (the server completes the subscription then). */
function followProgress(jobId: string): Promise<void> {
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
  });
  return new Promise<void>((resolve, reject) => {
    client.subscribe<JobProgressSubscription>(
      { query: JobProgressDocument.toString(), variables: { jobId } },
      {
        next: ({ data }) => {
          const p = data?.jobProgress;
          if (p) console.log(`${p.status} ${p.percent.toFixed(1)}% ${p.processedRows}/${p.totalRows ?? '?'} rows`);
        },
        error: reject,
        complete: () => resolve(),
      },
    );
  }).finally(() => client.dispose());
}

type RowError = NonNullable<JobResultQuery['job']>['errors']['nodes'][number];

async function main(): Promise<number> {
  const [file, entityArg = 'CONTACTS'] = process.argv.slice(2);
  if (!file || !token) {
    console.error('usage: BULKPORT_TOKEN=bp_… npx tsx examples/importContacts.ts FILE [CONTACTS|INVOICES]');
    return 1;
  }
  const entity = entityArg.toUpperCase() as Entity;
  const jobId = await startImport({ input: { entity, file: await fs.openAsBlob(file), duplicateStrategy: 'UPDATE' } }, file);
  console.log(`job ${jobId}`);
  await followProgress(jobId);

  // The outcome, then every row error, a page at a time.
  const errors: RowError[] = [];
  let after: string | null | undefined;
  let job: JobResultQuery['job'];
  do {
    ({ job } = await request(JobResultDocument, { id: jobId, first: 100, after }));
    if (!job) throw new Error(`job ${jobId} is not visible with this token`);
    errors.push(...job.errors.nodes);
    after = job.errors.pageInfo.hasNextPage ? job.errors.pageInfo.endCursor : undefined;
  } while (after);

  console.log(`${job.status}: ${job.succeededRows} succeeded (${job.insertedRows} inserted, ${job.updatedRows} updated), ${job.failedRows} failed`);
  if (job.failureReason) console.log(`reason: ${job.failureReason}`);
  for (const e of errors) console.log(`row ${e.row} ${e.column ?? '-'} ${e.code}: ${e.message}`);
  if (job.status !== 'COMPLETED') return 1;
  return job.failedRows > 0 ? 2 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
