import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allRowErrors, gql, importAndWait } from '../helpers/graphqlClient.ts';
import { expectExactTotals } from '../helpers/jobAssertions.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

// PostgreSQL text and jsonb cannot hold NUL: wherever one hides, it must cost one row, never the job.
let t: TestApp;
let token: string;
beforeAll(async () => {
  t = await startTestApp();
  token = await t.token('nul');
});
afterAll(() => t?.stop());

describe('NUL bytes outside validated cells', () => {
  it('should report a malformed line that contains a NUL byte as MALFORMED_ROW and import the rest', async () => {
    const padding = Array.from({ length: 20 }, (_, i) => `p${i}@x.com,P${i},Pad`).join('\n');
    const job = await importAndWait(t.url, token, `email,first_name,last_name\na@x.com,Ann,Lee\nb@x.com,B\u0000b\n${padding}\n`);
    expect(job.status).toBe('COMPLETED');
    expectExactTotals(job, 22);
    const errors = await allRowErrors(t.url, token, job.id);
    expect(errors).toEqual([expect.objectContaining({ row: 3, code: 'MALFORMED_ROW', value: 'b@x.com,B\\0b' })]);
  });

  it('should ignore a NUL byte in a header cell', async () => {
    const job = await importAndWait(t.url, token, 'email,first_name,no\u0000te\nz@x.com,Zed,hello\n'.padEnd(400, '\n'));
    expect(job.status).toBe('COMPLETED');
    expectExactTotals(job, 1);
    const r = await gql(t.url, token, `query($id: ID!) { job(id: $id) { ignoredColumns } }`, { id: job.id });
    expect(r.data.job.ignoredColumns).toEqual(['note']);
  });
});
