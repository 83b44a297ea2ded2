import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validContactsCsv } from '../helpers/buildCsv.ts';
import { allJobIds, gql, uploadImport } from '../helpers/graphqlClient.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

// Bad input is the client's error, answered as BAD_USER_INPUT with a sentence naming the field:
// never an internal error carrying a driver's message.
let t: TestApp;
let token: string;
beforeAll(async () => {
  t = await startTestApp();
  token = await t.token('bad-input');
});
afterAll(() => t?.stop());

const START_EXPORT = `mutation($input: StartExportInput!) { startExport(input: $input) { id status } }`;
const onlyError = (r: { errors?: any[] }) => {
  expect(r.errors).toHaveLength(1);
  return r.errors![0];
};

describe('strings a client sends', () => {
  it('should refuse a NUL in idempotencyKey with BAD_USER_INPUT, creating no job', async () => {
    const r = await uploadImport(t.url, token, validContactsCsv(2), { idempotencyKey: 'key\u0000' });
    const error = onlyError(r);
    expect(error.extensions.code).toBe('BAD_USER_INPUT');
    expect(error.message).toMatch(/idempotencyKey/);
    expect(error.message).not.toMatch(/invalid byte sequence|0x00|UTF8/);
    expect(error.extensions.stacktrace).toBeUndefined();
    expect(await allJobIds(t.url, token)).toEqual([]);
  });

  it('should refuse a NUL in an export search, given as a variable or written in the query', async () => {
    const asVariable = await gql(t.url, token, START_EXPORT, { input: { entity: 'CONTACTS', filter: { search: 'ann\u0000' } } });
    expect(onlyError(asVariable).extensions.code).toBe('BAD_USER_INPUT');
    expect(onlyError(asVariable).message).toMatch(/filter\.search/);
    const inline = await gql(t.url, token, `mutation { startExport(input: { entity: CONTACTS, filter: { search: "ann\\u0000" } }) { id } }`);
    expect(onlyError(inline).extensions.code).toBe('BAD_USER_INPUT');
    expect(await allJobIds(t.url, token)).toEqual([]);
  });

  it('should refuse control characters and overlong values in idempotencyKey and export filters', async () => {
    const lineBreak = await gql(t.url, token, START_EXPORT, { input: { entity: 'CONTACTS', idempotencyKey: 'a\nb' } });
    expect(onlyError(lineBreak).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'idempotencyKey' });
    const longSearch = await gql(t.url, token, START_EXPORT, { input: { entity: 'CONTACTS', filter: { search: 'x'.repeat(201) } } });
    expect(onlyError(longSearch).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.search' });
    const manyTags = await gql(t.url, token, START_EXPORT, {
      input: { entity: 'CONTACTS', filter: { tagsAny: Array.from({ length: 101 }, (_, i) => `t${i}`) } },
    });
    expect(onlyError(manyTags).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.tagsAny' });
    expect(await allJobIds(t.url, token)).toEqual([]);
  });

  it('should refuse a document over the parser token limit before any work', async () => {
    const fields = Array.from({ length: 1500 }, (_, i) => `a${i}: __typename`).join(' ');
    const r = await gql(t.url, token, `{ ${fields} }`);
    expect(onlyError(r).message).toMatch(/Document contains more th?at 2000 tokens/);
    expect(onlyError(r).extensions.code).toBe('GRAPHQL_PARSE_FAILED');
  });

  it('should answer a job id that is not a UUID like an unknown one', async () => {
    const r = await gql(t.url, token, `query($id: ID!) { job(id: $id) { id } }`, { id: "1' OR '1'='1" });
    expect(r).toEqual({ data: { job: null } });
  });
});
