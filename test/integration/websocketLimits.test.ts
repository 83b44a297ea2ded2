import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validContactsCsv } from '../helpers/buildCsv.ts';
import { importAndWait, JOB_PROGRESS } from '../helpers/graphqlClient.ts';
import { RawGraphQLSocket } from '../helpers/rawWebSocket.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

const MAX_SUBSCRIPTIONS = 3;
let t: TestApp;
let token: string;
let jobId: string;
beforeAll(async () => {
  t = await startTestApp({ wsMaxSubscriptions: MAX_SUBSCRIPTIONS });
  token = await t.token('ws-limits');
  jobId = (await importAndWait(t.url, token, validContactsCsv(3))).id;
});
afterAll(() => t?.stop());

const subscribe = (id: string, query = JOB_PROGRESS, variables: unknown = { id: jobId }) => ({ id, type: 'subscribe', payload: { query, variables } });

describe('authentication at connection_init', () => {
  it.each([
    ['no token', {}],
    ['a malformed token', { authorization: 'Bearer nope' }],
    ['an unknown token', { authorization: `Bearer bp_${'x'.repeat(43)}` }],
  ])('should close the connection with 4403 Forbidden for %s', async (_, payload) => {
    const s = await RawGraphQLSocket.open(t.wsUrl);
    s.send({ type: 'connection_init', payload });
    expect((await s.closed).code).toBe(4403);
    expect(s.messages).toEqual([]);
  });

  it('should acknowledge a valid token and serve subscriptions on that connection', async () => {
    const s = await RawGraphQLSocket.acknowledged(t.wsUrl, token);
    s.send(subscribe('1'));
    expect(await s.next((m) => m.id === '1' && m.type === 'complete')).toBeDefined();
    expect(s.messages.find((m) => m.id === '1' && m.type === 'next').payload.data.jobProgress).toMatchObject({ jobId, status: 'COMPLETED' });
    s.close();
  });
});

describe('frame size', () => {
  it('should close a connection that sends a frame over 1 MiB before authenticating, with 1009', async () => {
    const s = await RawGraphQLSocket.open(t.wsUrl);
    s.send(JSON.stringify({ type: 'connection_init', payload: { pad: 'x'.repeat(1024 * 1024 + 10) } }));
    expect((await s.closed).code).toBe(1009);
  });

  it('should close an authenticated connection that sends an oversized subscribe frame, with 1009', async () => {
    const s = await RawGraphQLSocket.acknowledged(t.wsUrl, token);
    s.send(subscribe('big', JOB_PROGRESS, { id: jobId, pad: 'x'.repeat(2 * 1024 * 1024) }));
    expect((await s.closed).code).toBe(1009);
  });
});

describe('one bad subscribe message', () => {
  it('should answer a syntax error on its own id and keep the connection and its other subscriptions', async () => {
    const s = await RawGraphQLSocket.acknowledged(t.wsUrl, token);
    s.send(subscribe('bad', 'subscription { jobProgress(jobId: '));
    const error = await s.next((m) => m.id === 'bad');
    expect(error.type).toBe('error');
    expect(error.payload[0].message).toMatch(/Syntax Error/);
    expect(s.isOpen).toBe(true);
    s.send(subscribe('good'));
    expect(await s.next((m) => m.id === 'good' && m.type === 'complete')).toBeDefined();
    s.close();
  });

  it('should answer a validation error and a NUL in a variable on their own ids', async () => {
    const s = await RawGraphQLSocket.acknowledged(t.wsUrl, token);
    s.send(subscribe('unknown-field', 'subscription { jobProgress(jobId: "x") { nope } }'));
    s.send(subscribe('nul', JOB_PROGRESS, { id: 'a\u0000b' }));
    const invalid = await s.next((m) => m.id === 'unknown-field');
    const nul = await s.next((m) => m.id === 'nul');
    expect(invalid.type).toBe('error');
    expect(invalid.payload[0].message).toMatch(/Cannot query field "nope"/);
    expect(nul.type).toBe('error');
    expect(nul.payload[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(s.isOpen).toBe(true);
    s.close();
  });

  it('should refuse introspection over WebSocket outside development', async () => {
    const s = await RawGraphQLSocket.acknowledged(t.wsUrl, token);
    s.send(subscribe('schema', 'query { __schema { types { name } } }', {}));
    const error = await s.next((m) => m.id === 'schema');
    expect(error.type).toBe('error');
    expect(error.payload[0].message).toMatch(/introspection/i);
    s.close();
  });
});

describe('subscriptions per connection', () => {
  it(`should refuse the subscription past ${MAX_SUBSCRIPTIONS} on one connection with TOO_MANY_SUBSCRIPTIONS and keep the others`, async () => {
    const running = (await import('../helpers/graphqlClient.ts')).uploadImport;
    const r = await running(t.url, token, validContactsCsv(3, 'queued'));
    // Subscriptions to a job that is still queued or running stay open, so they hold their slots.
    const s = await RawGraphQLSocket.acknowledged(t.wsUrl, token);
    const pending = r.data.startImport.id;
    for (let i = 1; i <= MAX_SUBSCRIPTIONS + 1; i++) s.send(subscribe(String(i), JOB_PROGRESS, { id: pending }));
    const refused = await s.next((m) => m.type === 'error');
    expect(refused.payload[0].extensions.code).toBe('TOO_MANY_SUBSCRIPTIONS');
    expect(s.isOpen).toBe(true);
    s.close();
  });
});
