import fs from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validContactsCsv } from '../helpers/buildCsv.ts';
import { gql } from '../helpers/graphqlClient.ts';
import { multipartPost, rawRequest, START_IMPORT_OPERATIONS } from '../helpers/rawHttp.ts';
import { RawGraphQLSocket } from '../helpers/rawWebSocket.ts';
import { startServerProcesses, type ServerProcesses } from '../helpers/serverProcess.ts';
import { storedFiles } from '../helpers/storedFiles.ts';
import { withDatabase } from '../helpers/testDatabase.ts';

/**
 * Property-based fuzzing of everything a client controls, against the real server in its own
 * process (API and worker, as `npm start` runs them). After every generated case the process must
 * be alive, answer a normal query, and hold no file that no job points at.
 *
 * Seeded and bounded: FUZZ_SEED and FUZZ_RUNS (per property) make a run repeatable or longer, e.g.
 *   FUZZ_RUNS=2000 npx vitest run test/fuzz
 * A failure prints the seed and the shrunk counterexample; rerun with that FUZZ_SEED to reproduce it.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const params = { seed: SEED, numRuns: RUNS, endOnFailure: true };
/** Per property: a case takes tens of milliseconds, up to a few seconds when the server holds a cut-off request. */
const TIMEOUT = 60_000 + RUNS * 2_000;

let s: ServerProcesses;
let token: string;
let baselineFds = 0;
beforeAll(async () => {
  s = await startServerProcesses('all');
  token = await s.token('fuzz');
  baselineFds = openFds();
}, 120_000);
afterAll(() => s?.stop());

function openFds(): number {
  return fs.readdirSync(`/proc/${s.api.pid}/fd`).length;
}

/** The invariants every case must leave holding. */
async function expectServerUnharmed(): Promise<void> {
  expect(s.api.isRunning(), `the server died:\n${s.api.tail()}`).toBe(true);
  const r = await gql(s.url, token, `{ jobs(first: 1) { nodes { id } } }`);
  expect(r.errors).toBeUndefined();
  // Files are written to a temporary name and published whole: give an aborted upload a moment to clean up.
  const deadline = Date.now() + 3_000;
  for (;;) {
    const keys = await withDatabase(
      s.databaseUrl,
      async (c) =>
        new Set(
          (
            await c.query<{ key: string }>(
              `SELECT file_key AS key FROM jobs WHERE file_key IS NOT NULL UNION SELECT result_key FROM jobs WHERE result_key IS NOT NULL`,
            )
          ).rows.map((r) => r.key),
        ),
    );
    const orphans = storedFiles(s.storageDir).filter((f) => !keys.has(f));
    if (orphans.length === 0) return;
    if (Date.now() > deadline) expect(orphans).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// ---- multipart requests ----------------------------------------------------------------------

const nasty = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('a\u0000.csv', 'a\r\n.csv', 'a\n', '\u0001\u007f', '"', '\\', 'é.csv', '', 'contacts.csv', '../../etc/passwd', 'x'.repeat(300)),
);
const headerLine = fc.oneof(
  fc.constant(''),
  fc.constant('Content-Type: text/csv\r\n'),
  fc.string({ unit: 'binary', maxLength: 60 }).map((v) => `X-Fuzz: ${v}\r\n`),
  fc.integer({ min: 15_000, max: 20_000 }).map((n) => `X-Big: ${'h'.repeat(n)}\r\n`),
);
const content = fc.oneof(
  fc.constant(validContactsCsv(3)),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')),
);
const mapField = fc.oneof(
  fc.constant('{"0":["variables.input.file"]}'),
  fc.constant('{"0":["variables.input.file","variables.input.file"]}'),
  fc.constant('{"0":["variables.input.file"],"1":["variables.input.file"]}'),
  fc.constant('{"0":["variables.__proto__.x"]}'),
  fc.constant('{"0":["query"]}'),
  fc.constant('[]'),
  fc.json(),
  fc.string({ maxLength: 30 }),
);
const operationsField = fc.oneof(fc.constant(START_IMPORT_OPERATIONS), fc.constant(`[${START_IMPORT_OPERATIONS}]`), fc.json(), fc.string({ maxLength: 30 }));

type Part = { name: string; filename: string | null; header: string; body: string };
const partArb: fc.Arbitrary<Part> = fc.record({
  name: fc.oneof(fc.constantFrom('operations', 'map', '0', '1'), nasty),
  filename: fc.option(nasty, { nil: null }),
  header: headerLine,
  body: content,
});

const multipartCase = fc.record({
  boundary: fc.oneof(fc.constant('fuzzboundary'), fc.string({ unit: 'binary', minLength: 1, maxLength: 70 })),
  operations: fc.option(operationsField, { nil: null }),
  map: fc.option(mapField, { nil: null }),
  file: fc.option(fc.record({ filename: nasty, header: headerLine, body: content }), { nil: null }),
  extra: fc.array(partArb, { maxLength: 3 }),
  shuffle: fc.boolean(),
  closing: fc.constantFrom('--\r\n', '--', '', '\r\n'),
  truncateAt: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
  auth: fc.constantFrom('member', 'member', 'member', 'none', 'no-preflight', 'garbage-token'),
});

type MultipartCase = typeof multipartCase extends fc.Arbitrary<infer T> ? T : never;

function buildMultipart(c: MultipartCase): { request: Buffer; hangUp: boolean } {
  const b = c.boundary;
  const partText = (disposition: string, header: string, body: string) =>
    `--${b}\r\nContent-Disposition: form-data; ${disposition}\r\n${header}\r\n${body}\r\n`;
  const parts: string[] = [];
  if (c.operations !== null) parts.push(partText('name="operations"', '', c.operations));
  if (c.map !== null) parts.push(partText('name="map"', '', c.map));
  if (c.file) parts.push(partText(`name="0"; filename="${c.file.filename}"`, c.file.header, c.file.body));
  for (const p of c.extra) parts.push(partText(`name="${p.name}"${p.filename === null ? '' : `; filename="${p.filename}"`}`, p.header, p.body));
  if (c.shuffle) parts.reverse();
  const body = Buffer.from(parts.join('') + `--${b}${c.closing}`, 'latin1');
  const headers: Record<string, string> = {};
  if (c.auth !== 'no-preflight') headers['apollo-require-preflight'] = 'true';
  if (c.auth === 'member' || c.auth === 'no-preflight') headers.Authorization = `Bearer ${token}`;
  if (c.auth === 'garbage-token') headers.Authorization = 'Bearer bp_\u0000\u0001';
  const boundaryHeader = /^[\x21-\x7e]+$/.test(b) ? b : 'fuzzboundary';
  let request = multipartPost(s.url, boundaryHeader, body, Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.replace(/[\r\n]/g, '')])));
  if (c.truncateAt !== null) request = request.subarray(0, Math.floor(request.length * c.truncateAt));
  return { request, hangUp: c.truncateAt !== null };
}

describe('fuzzing the server with hostile input', () => {
  it(
    'should survive any multipart request: alive, still answering, no orphan file',
    async () => {
      await fc.assert(
        fc.asyncProperty(multipartCase, async (c) => {
          const { request, hangUp } = buildMultipart(c);
          const r = await rawRequest(s.url, request, 5_000, hangUp ? 200 : undefined);
          if (r.status !== 0) expect(r.status).toBeLessThan(500);
          await expectServerUnharmed();
        }),
        params,
      );
    },
    TIMEOUT,
  );

  // ---- WebSocket frames ------------------------------------------------------------------------

  const frame = fc.oneof(
    fc.string({ maxLength: 50 }),
    fc.json(),
    fc
      .record({
        type: fc.constantFrom('connection_init', 'subscribe', 'complete', 'ping', 'pong', 'next', 'connection_ack', 'nope'),
        id: fc.option(fc.string({ maxLength: 5 })),
        payload: fc.anything({ maxDepth: 2 }),
      })
      .map((m) => JSON.stringify(m)),
    fc.constant(JSON.stringify({ type: 'subscribe', id: '1', payload: { query: 'subscription { jobProgress(jobId: ' } })),
    fc.constant(JSON.stringify({ type: 'subscribe', id: '1', payload: { query: '{ __schema { types { name } } }' } })),
    fc.constant(
      JSON.stringify({
        type: 'subscribe',
        id: '2',
        payload: { query: 'subscription($id: ID!) { jobProgress(jobId: $id) { status } }', variables: { id: '\u0000' } },
      }),
    ),
    fc.integer({ min: 1024 * 1024, max: 1024 * 1024 + 100_000 }).map((n) => 'x'.repeat(n)),
  );
  const wsCase = fc.record({
    init: fc.constantFrom('valid', 'invalid', 'none', 'garbage'),
    frames: fc.array(frame, { maxLength: 6 }),
  });

  it(
    'should survive any sequence of WebSocket frames: alive and still answering',
    async () => {
      await fc.assert(
        fc.asyncProperty(wsCase, async (c) => {
          const socket = await RawGraphQLSocket.open(s.wsUrl);
          if (c.init === 'valid') socket.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
          if (c.init === 'invalid') socket.send({ type: 'connection_init', payload: { authorization: 'Bearer bp_nope' } });
          if (c.init === 'garbage') socket.send({ type: 'connection_init', payload: 'not an object' });
          for (const f of c.frames) if (socket.isOpen) socket.send(f);
          await new Promise((resolve) => setTimeout(resolve, 30));
          socket.close();
          await socket.closed;
          await expectServerUnharmed();
        }),
        params,
      );
    },
    TIMEOUT,
  );

  // ---- GraphQL arguments -----------------------------------------------------------------------

  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.constantFrom('\u0000', 'a\u0000b', '\r\n', "'; DROP TABLE jobs; --", '%_\\', 'x'.repeat(5000)),
  );
  const operation = fc.oneof(
    text.map((v) => ({ query: `mutation($k: String) { startExport(input: { entity: CONTACTS, idempotencyKey: $k }) { id } }`, variables: { k: v } })),
    text.map((v) => ({ query: `mutation($s: String) { startExport(input: { entity: INVOICES, filter: { search: $s } }) { id } }`, variables: { s: v } })),
    fc
      .array(text, { maxLength: 5 })
      .map((v) => ({ query: `mutation($t: [String!]) { startExport(input: { entity: CONTACTS, filter: { tagsAny: $t } }) { id } }`, variables: { t: v } })),
    fc
      .array(text, { maxLength: 3 })
      .map((v) => ({ query: `mutation($c: [String!]) { startExport(input: { entity: CONTACTS, columns: $c }) { id } }`, variables: { c: v } })),
    text.map((v) => ({ query: `query($id: ID!) { job(id: $id) { id } }`, variables: { id: v } })),
    text.map((v) => ({ query: `mutation($id: ID!) { cancelJob(id: $id) { id } }`, variables: { id: v } })),
    text.map((v) => ({ query: `query($a: String) { jobs(first: 5, after: $a) { nodes { id } } }`, variables: { a: v } })),
    text.map((v) => ({ query: `{ job(id: ${JSON.stringify(v)}) { id } }`, variables: {} })),
  );

  it(
    'should answer any string argument without an internal error',
    async () => {
      await fc.assert(
        fc.asyncProperty(operation, async (op) => {
          const res = await fetch(s.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify(op),
          });
          expect(res.status).toBeLessThan(500);
          const body = (await res.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
          for (const e of body.errors ?? []) expect(e.extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
        }),
        params,
      );
      await expectServerUnharmed();
    },
    TIMEOUT,
  );

  it('should hold no more open file descriptors than when it started', async () => {
    // Sockets of the last cases may still be closing: allow them a moment.
    const deadline = Date.now() + 5_000;
    while (openFds() > baselineFds + 5 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(openFds()).toBeLessThanOrEqual(baselineFds + 5);
  });
});
