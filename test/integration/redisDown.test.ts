import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCsv, contactRow, CONTACTS_HEADER } from '../helpers/buildCsv.ts';
import { collectProgress, uploadImport, wsClient } from '../helpers/graphqlClient.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

// Redis is the fast path for progress, not the truth: with no Redis reachable at all, imports still
// run and subscribers still get the current state, live updates read from PostgreSQL, and the end.
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ redisUrl: 'redis://127.0.0.1:1', chunkSize: 50 });
});
afterAll(() => t?.stop());

describe('progress while Redis is unreachable', () => {
  it('should complete the import and deliver the first and the terminal state to a subscriber', async () => {
    const token = await t.token('no-redis');
    const csv = buildCsv([CONTACTS_HEADER, ...Array.from({ length: 500 }, (_, i) => contactRow(i + 1))]);
    const started = await uploadImport(t.url, token, csv);
    expect(started.errors).toBeUndefined();
    const client = wsClient(t.wsUrl, token);
    try {
      const { events, errors } = await collectProgress(client, started.data.startImport.id);
      expect(errors).toBeUndefined();
      expect(events.length).toBeGreaterThanOrEqual(1);
      expect(events.at(-1)).toMatchObject({ status: 'COMPLETED', totalRows: 500, processedRows: 500, succeededRows: 500 });
    } finally {
      await client.dispose();
    }
  });
});
