import { ApolloClient, InMemoryCache, gql as apolloGql } from '@apollo/client';
import UploadHttpLink from 'apollo-upload-client/UploadHttpLink.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validContactsCsv } from '../helpers/buildCsv.ts';
import { contactsOf, countContacts } from '../helpers/contactsTable.ts';
import { allJobIds, START_IMPORT, uploadImport, waitForJob } from '../helpers/graphqlClient.ts';
import { expectExactTotals } from '../helpers/jobAssertions.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.stop());

describe('uploading a file', () => {
  it('should accept a raw GraphQL multipart request, answer QUEUED at once and import every row', async () => {
    const token = await t.token('multipart');
    const r = await uploadImport(t.url, token, validContactsCsv(25), { duplicateStrategy: 'SKIP' }, 'people.csv');

    expect(r.status).toBe(200);
    expect(r.errors).toBeUndefined();
    // startImport only stores the file and queues the job: nothing is parsed in the request.
    expect(r.data.startImport).toMatchObject({
      status: 'QUEUED',
      kind: 'IMPORT',
      entity: 'CONTACTS',
      fileName: 'people.csv',
      totalRows: null,
      processedRows: 0,
    });

    const job = await waitForJob(t.url, token, r.data.startImport.id);
    expect(job.status).toBe('COMPLETED');
    expectExactTotals(job, 25);
    expect(job).toMatchObject({ succeededRows: 25, failedRows: 0, insertedRows: 25, percent: 100, etaSeconds: 0 });
    expect(job.startedAt).not.toBeNull();
    expect(job.completedAt).not.toBeNull();
    expect(await countContacts(t.databaseUrl, 'multipart')).toBe(25);
  });

  it('should accept an upload from apollo-upload-client with a File', async () => {
    const token = await t.token('apollo-client');
    const client = new ApolloClient({
      link: new UploadHttpLink({ uri: t.url, headers: { 'apollo-require-preflight': 'true', authorization: `Bearer ${token}` } }),
      cache: new InMemoryCache(),
    });
    try {
      const file = new File([validContactsCsv(12, 'apollo')], 'from-apollo.csv', { type: 'text/csv' });
      const result = await client.mutate<{ startImport: { id: string; status: string; fileName: string } }>({
        mutation: apolloGql(START_IMPORT),
        variables: { input: { entity: 'CONTACTS', file, duplicateStrategy: 'UPDATE' } },
      });

      expect(result.error).toBeUndefined();
      const started = result.data!.startImport;
      expect(started).toMatchObject({ status: 'QUEUED', fileName: 'from-apollo.csv' });
      const job = await waitForJob(t.url, token, started.id);
      expect(job.status).toBe('COMPLETED');
      expectExactTotals(job, 12);
      expect(job.succeededRows).toBe(12);
      const stored = await contactsOf(t.databaseUrl, 'apollo-client');
      expect(stored.size).toBe(12);
      expect(stored.get('apollo7@example.com')).toMatchObject({ first_name: 'First7', tags: ['vip', 'beta'] });
    } finally {
      client.stop();
    }
  });

  it('should accept a Blob without a name from apollo-upload-client and give the job a default file name', async () => {
    const token = await t.token('apollo-blob');
    const client = new ApolloClient({
      link: new UploadHttpLink({ uri: t.url, headers: { 'apollo-require-preflight': 'true', authorization: `Bearer ${token}` } }),
      cache: new InMemoryCache(),
    });
    try {
      const result = await client.mutate<{ startImport: { id: string; fileName: string } }>({
        mutation: apolloGql(START_IMPORT),
        variables: { input: { entity: 'CONTACTS', file: new Blob([validContactsCsv(3, 'blob')], { type: 'text/csv' }) } },
      });
      const job = await waitForJob(t.url, token, result.data!.startImport.id);
      expect(job.status).toBe('COMPLETED');
      expect(typeof job.fileName).toBe('string');
      expect(job.fileName.length).toBeGreaterThan(0);
      expect(await countContacts(t.databaseUrl, 'apollo-blob')).toBe(3);
    } finally {
      client.stop();
    }
  });

  it('should keep only the base name of a file name that carries a path', async () => {
    const token = await t.token('file-names');
    const r = await uploadImport(t.url, token, validContactsCsv(1, 'named'), {}, '../../etc/contacts.csv');
    expect(r.errors).toBeUndefined();
    expect(r.data.startImport.fileName).toBe('contacts.csv');
  });

  it('should refuse a multipart request without a CSRF preflight header and create no job', async () => {
    const token = await t.token('csrf');
    const form = new FormData();
    form.append('operations', JSON.stringify({ query: START_IMPORT, variables: { input: { entity: 'CONTACTS', file: null } } }));
    form.append('map', JSON.stringify({ 0: ['variables.input.file'] }));
    form.append('0', new Blob([validContactsCsv(2, 'csrf')], { type: 'text/csv' }), 'contacts.csv');
    const res = await fetch(t.url, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });

    expect(res.status).toBe(400);
    expect(await allJobIds(t.url, token)).toEqual([]);
    expect(await countContacts(t.databaseUrl, 'csrf')).toBe(0);
  });
});
