import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validContactsCsv } from '../helpers/buildCsv.ts';
import { allJobIds, gql, LIST_JOBS } from '../helpers/graphqlClient.ts';
import { multipartPost, part, rawRequest, START_IMPORT_OPERATIONS, startImportBody } from '../helpers/rawHttp.ts';
import { startServerProcesses, type ServerProcesses } from '../helpers/serverProcess.ts';
import { storedFiles } from '../helpers/storedFiles.ts';

// The API runs as its own process, started as `npm run api` starts it (NODE_ENV unset), so a request
// that kills it shows as a dead process, exactly as an attacker would see it.
let s: ServerProcesses;
let token: string;
beforeAll(async () => {
  s = await startServerProcesses('api', { NODE_ENV: undefined });
  token = await s.token('hostile');
});
afterAll(() => s?.stop());

const B = 'bulkportboundary';
const auth = () => ({ 'apollo-require-preflight': 'true', Authorization: `Bearer ${token}` });

/** The process is alive, answers a normal query, has created no job and left no file. */
async function expectUnharmed(): Promise<void> {
  expect(s.api.isRunning()).toBe(true);
  const r = await gql(s.url, token, LIST_JOBS, { first: 5 });
  expect(r.errors).toBeUndefined();
  expect(r.data.jobs.nodes).toEqual([]);
  expect(storedFiles(s.storageDir)).toEqual([]);
}

describe('a multipart request from a client without a token', () => {
  // The 160-byte request that used to stop the whole service: a NUL in the file name.
  const smallest = `--b\r\nContent-Disposition: form-data; name="0"; filename="a\u0000"\r\n\r\nx\r\n--b--\r\n`;

  it('should be answered 401 UNAUTHENTICATED from its headers, before its body is parsed', async () => {
    const r = await rawRequest(s.url, multipartPost(s.url, 'b', smallest, { 'apollo-require-preflight': 'true' }));
    expect(r.status).toBe(401);
    expect(r.json.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    await expectUnharmed();
  });

  it('should be answered 400 when the CSRF preflight header is missing, whatever the token', async () => {
    const r = await rawRequest(s.url, multipartPost(s.url, 'b', smallest));
    expect(r.status).toBe(400);
    expect(r.json.errors[0].message).toMatch(/Cross-Site Request Forgery/);
    const withToken = await rawRequest(s.url, multipartPost(s.url, 'b', smallest, { Authorization: `Bearer ${token}` }));
    expect(withToken.status).toBe(400);
    await expectUnharmed();
  });

  it('should refuse a support token with 403 before reading the body: support staff cannot import', async () => {
    const support = await s.token('staff', 'support');
    const r = await rawRequest(
      s.url,
      multipartPost(s.url, B, startImportBody(B, validContactsCsv(2)), { 'apollo-require-preflight': '1', Authorization: `Bearer ${support}` }),
    );
    expect(r.status).toBe(403);
    expect(r.json.errors[0].extensions.code).toBe('FORBIDDEN');
    await expectUnharmed();
  });
});

describe('a multipart request with a valid token and a hostile body', () => {
  it.each([
    ['a NUL', 'a\u0000.csv'],
    ['a CR', 'a\r.csv'],
    ['an LF', 'a\n.csv'],
    ['a CR LF', 'a\r\nb.csv'],
    ['a 0x01', 'a\u0001.csv'],
    ['a DEL (0x7F)', 'a\u007f.csv'],
  ])('should answer 400 BAD_USER_INPUT to a file name holding %s, and keep running', async (_, fileName) => {
    const body = startImportBody(B, validContactsCsv(2), `name="0"; filename="${fileName}"`);
    const r = await rawRequest(s.url, multipartPost(s.url, B, body, auth()));
    expect(r.status).toBe(400);
    expect(r.json.errors).toHaveLength(1);
    expect(r.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(['MALFORMED_MULTIPART', 'INVALID_FILE_NAME']).toContain(r.json.errors[0].extensions.reason);
    expect(r.json.errors[0].message).toMatch(/file ?name|part header/i);
    await expectUnharmed();
  });

  it('should answer 400 to a part header over 16 KB, and keep running', async () => {
    const body = startImportBody(B, validContactsCsv(2)).replace(
      'Content-Type: text/csv\r\n',
      `Content-Type: text/csv\r\nX-Padding: ${'p'.repeat(17_000)}\r\n`,
    );
    const r = await rawRequest(s.url, multipartPost(s.url, B, body, auth()));
    expect(r.status).toBe(400);
    expect(r.json.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'MALFORMED_MULTIPART' });
    await expectUnharmed();
  });

  it('should answer TOO_MANY_FILES, not FILE_TOO_LARGE, to a 40-byte file followed by an unmapped second file', async () => {
    const body =
      part(B, 'name="operations"', START_IMPORT_OPERATIONS) +
      part(B, 'name="map"', '{"0":["variables.input.file"]}') +
      part(B, 'name="0"; filename="a.csv"', 'email,first_name\na@example.com,Ann\n') +
      part(B, 'name="extra"; filename="b.csv"', 'x') +
      `--${B}--\r\n`;
    const r = await rawRequest(s.url, multipartPost(s.url, B, body, auth()));
    expect(r.status).toBe(413);
    expect(r.json.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'TOO_MANY_FILES' });
    expect(r.json.errors[0].message).not.toMatch(/larger than/);
    await expectUnharmed();
  });

  it('should refuse one file mapped to two fields, before anything is stored', async () => {
    const operations = JSON.stringify({
      query: 'mutation($a: StartImportInput!, $b: StartImportInput!) { a: startImport(input: $a) { id } b: startImport(input: $b) { id } }',
      variables: { a: { entity: 'CONTACTS', file: null }, b: { entity: 'CONTACTS', file: null } },
    });
    const body =
      part(B, 'name="operations"', operations) +
      part(B, 'name="map"', '{"0":["variables.a.file","variables.b.file"]}') +
      part(B, 'name="0"; filename="a.csv"', validContactsCsv(3)) +
      `--${B}--\r\n`;
    const r = await rawRequest(s.url, multipartPost(s.url, B, body, auth()));
    expect(r.status).toBe(400);
    expect(r.json.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'UPLOAD_USED_TWICE' });
    await expectUnharmed();
  });

  it('should refuse one upload variable used by two aliased startImport fields, creating no job at all', async () => {
    const operations = JSON.stringify({
      query: 'mutation($input: StartImportInput!) { first: startImport(input: $input) { id } second: startImport(input: $input) { id } }',
      variables: { input: { entity: 'CONTACTS', file: null } },
    });
    const body =
      part(B, 'name="operations"', operations) +
      part(B, 'name="map"', '{"0":["variables.input.file"]}') +
      part(B, 'name="0"; filename="a.csv"', validContactsCsv(3)) +
      `--${B}--\r\n`;
    const r = await rawRequest(s.url, multipartPost(s.url, B, body, auth()));
    expect(r.status).toBe(400);
    expect(r.json.data ?? null).toBeNull();
    expect(r.json.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'UPLOAD_USED_TWICE' });
    await expectUnharmed();
  });

  it('should fail a request whose body stops in the middle of the file, leaving no job and no partial file', async () => {
    const full = multipartPost(s.url, B, startImportBody(B, validContactsCsv(200)), auth());
    // Content-Length promises the whole body; the socket is closed after two thirds of it.
    const r = await rawRequest(s.url, full.subarray(0, Math.floor(full.length * 0.66)), 3_000, 300);
    expect(r.status).not.toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300)); // the server notices the closed socket
    await expectUnharmed();
  });

  it('should answer 400 to a multipart body without a boundary, and to a batch of operations', async () => {
    const noBoundary = await rawRequest(
      s.url,
      Buffer.from(
        `POST /graphql HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: multipart/form-data\r\nContent-Length: 2\r\napollo-require-preflight: 1\r\nAuthorization: Bearer ${token}\r\n\r\nxx`,
      ),
    );
    expect(noBoundary.status).toBe(400);
    const batch = part(B, 'name="operations"', `[${START_IMPORT_OPERATIONS}]`) + part(B, 'name="map"', '{}') + `--${B}--\r\n`;
    const r = await rawRequest(s.url, multipartPost(s.url, B, batch, auth()));
    expect(r.status).toBe(400);
    expect(r.json.errors[0].extensions.reason).toBe('MALFORMED_MULTIPART');
    await expectUnharmed();
  });

  it('should still accept a well-formed upload afterwards', async () => {
    const r = await rawRequest(s.url, multipartPost(s.url, B, startImportBody(B, validContactsCsv(2)), auth()));
    expect(r.status).toBe(200);
    expect(r.json.data.startImport.status).toBe('QUEUED');
    expect(await allJobIds(s.url, token)).toEqual([r.json.data.startImport.id]);
  });
});
