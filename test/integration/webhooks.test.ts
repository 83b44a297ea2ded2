import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepStuckJobs } from '../../src/jobs/state/sweepStuckJobs.ts';
import { validContactsCsv } from '../helpers/buildCsv.ts';
import { download, startExport } from '../helpers/exportClient.ts';
import { CANCEL_JOB, gql, importAndWait, pollJob } from '../helpers/graphqlClient.ts';
import { installExportGate } from '../helpers/exportGate.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';
import { withDatabase } from '../helpers/testDatabase.ts';
import {
  createWebhook,
  DELETE_WEBHOOK,
  hmacVerifies,
  jobDeliveries,
  LIST_WEBHOOKS,
  ROTATE_WEBHOOK_SECRET,
  waitForDeliveries,
} from '../helpers/webhookClient.ts';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../helpers/webhookReceiver.ts';

/** Longer than any wait between two attempts here (WEBHOOK_RETRY_MAX_DELAY_MS): a message that would come again has come by then. */
const SETTLE_MS = 1500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MISSING_COLUMN = 'email,last_name\nann@example.com,Lee\n';
const bodyOf = (m: ReceivedWebhook) => JSON.parse(m.body);
const forJob = (received: ReceivedWebhook[], jobId: string) => received.filter((m) => bodyOf(m).data.id === jobId);

describe('signed webhooks', () => {
  let t: TestApp;
  const receivers: WebhookReceiver[] = [];
  const receiver = async (...args: Parameters<typeof startWebhookReceiver>) => {
    const r = await startWebhookReceiver(...args);
    receivers.push(r);
    return r;
  };
  beforeAll(async () => {
    t = await startTestApp({
      // Development mode: webhooks may go to this machine (the receivers listen on 127.0.0.1).
      nodeEnv: 'development',
      chunkSize: 5,
      webhookRetryBaseMs: 100,
      webhookRetryMaxDelayMs: 400,
      webhookTimeoutMs: 1000,
      // Links in webhook bodies need the API's public address (a worker has no request to take it from).
      publicUrl: 'http://bulkport.test',
    });
  });
  afterAll(async () => {
    await t?.stop();
    for (const r of receivers) await r.close();
  });

  it('should sign each delivery so that standardwebhooks and a plain HMAC both verify it, with the ended job in the body', async () => {
    const token = await t.token('wh-sign');
    const rx = await receiver();
    const { endpoint, secret } = await createWebhook(t.url, token, { url: `${rx.url}/hooks` });
    expect(endpoint.events).toEqual(['JOB_COMPLETED', 'JOB_FAILED', 'JOB_CANCELLED']);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect(Buffer.from(secret.slice(6), 'base64').length).toBeGreaterThanOrEqual(24);

    const job = await importAndWait(t.url, token, validContactsCsv(12, 'signed'));
    expect(job.status).toBe('COMPLETED');
    await rx.waitFor((r) => r.length >= 1);
    const [msg] = rx.received;

    expect(msg.path).toBe('/hooks');
    expect(msg.headers['content-type']).toBe('application/json');
    expect(Math.abs(Number(msg.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    expect(msg.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+={0,2}$/);
    const verified = new Webhook(secret).verify(msg.body, msg.headers) as any;
    expect(hmacVerifies(secret, msg.headers, msg.body)).toBe(true);

    expect(verified.type).toBe('job.completed');
    expect(new Date(verified.timestamp).toISOString()).toBe(job.completedAt);
    expect(verified.data).toMatchObject({
      id: job.id,
      kind: 'IMPORT',
      entity: 'CONTACTS',
      status: 'COMPLETED',
      failureReason: null,
      counts: { total: 12, processed: 12, succeeded: 12, failed: 0, inserted: 12, updated: 0, unchanged: 0, deleted: 0 },
    });

    // Any change to the body, or another secret, and neither check passes.
    const tampered = msg.body.replace('"processed":12', '"processed":13');
    expect(hmacVerifies(secret, msg.headers, tampered)).toBe(false);
    expect(() => new Webhook(secret).verify(tampered, msg.headers)).toThrow();
    const stranger = `whsec_${randomBytes(32).toString('base64')}`;
    expect(hmacVerifies(stranger, msg.headers, msg.body)).toBe(false);
    expect(() => new Webhook(stranger).verify(msg.body, msg.headers)).toThrow();

    const [delivery] = await waitForDeliveries(t.url, token, job.id, 1);
    expect(delivery).toMatchObject({
      id: msg.headers['webhook-id'],
      event: 'JOB_COMPLETED',
      endpointId: endpoint.id,
      status: 'DELIVERED',
      nextAttemptAt: null,
    });
    expect(delivery.attempts).toHaveLength(1);
    expect(delivery.attempts[0]).toMatchObject({ attempt: 1, statusCode: 200, error: null });
    expect(delivery.attempts[0].durationMs).toBeGreaterThanOrEqual(0);
  });

  it('should deliver each event exactly once per endpoint even when the receiver answers 500 twice first', async () => {
    const token = await t.token('wh-retry');
    const rx = await receiver((_, seenBefore) => (seenBefore < 2 ? 500 : 200));
    const all = await createWebhook(t.url, token, { url: `${rx.url}/all` });
    const failedOnly = await createWebhook(t.url, token, { url: `${rx.url}/failed-only`, events: ['JOB_FAILED'] });

    const completed = await importAndWait(t.url, token, validContactsCsv(7, 'retry'));
    const failed = await importAndWait(t.url, token, MISSING_COLUMN);
    expect([completed.status, failed.status]).toEqual(['COMPLETED', 'FAILED']);

    const completedDeliveries = await waitForDeliveries(t.url, token, completed.id, 1);
    const failedDeliveries = await waitForDeliveries(t.url, token, failed.id, 2);
    await sleep(SETTLE_MS);

    // Each webhook-id came three times (500, 500, 200) and never again after its 200.
    const ids = new Set(rx.received.map((m) => m.headers['webhook-id']));
    expect(ids.size).toBe(3);
    for (const id of ids) expect(rx.received.filter((m) => m.headers['webhook-id'] === id).map((m) => m.answered)).toEqual([500, 500, 200]);

    const accepted = (path: string) =>
      rx
        .accepted()
        .filter((m) => m.path === path)
        .map((m) => `${bodyOf(m).type} ${bodyOf(m).data.id}`)
        .sort();
    expect(accepted('/all')).toEqual([`job.completed ${completed.id}`, `job.failed ${failed.id}`].sort());
    expect(accepted('/failed-only')).toEqual([`job.failed ${failed.id}`]);
    const failedBody = bodyOf(forJob(rx.accepted(), failed.id)[0]);
    expect(failedBody.data.status).toBe('FAILED');
    expect(failedBody.data.failureReason).toBe(failed.failureReason);
    // Every attempt carries the same body and the same webhook-id (receivers drop repeats by it).
    for (const id of ids) expect(new Set(rx.received.filter((m) => m.headers['webhook-id'] === id).map((m) => m.body)).size).toBe(1);

    // Every attempt is recorded on the job.
    for (const d of [...completedDeliveries, ...failedDeliveries]) {
      expect(d.status).toBe('DELIVERED');
      expect(d.attempts.map((a: any) => [a.attempt, a.statusCode, a.error])).toEqual([
        [1, 500, null],
        [2, 500, null],
        [3, 200, null],
      ]);
      expect(new Date(d.attempts[1].attemptedAt).getTime()).toBeGreaterThan(new Date(d.attempts[0].attemptedAt).getTime());
    }
    expect(failedDeliveries.map((d) => d.endpointId).sort()).toEqual([all.endpoint.id, failedOnly.endpoint.id].sort());
  });

  it('should send nothing for a job that has not ended, and job.cancelled once when it is cancelled', async () => {
    const token = await t.token('wh-cancel');
    await importAndWait(t.url, token, validContactsCsv(6, 'to-export'));
    const rx = await receiver();
    await createWebhook(t.url, token, { url: `${rx.url}/cancel` });
    // An export held RUNNING by the gate keeps one worker slot; the others stay free for the rest.
    const gate = await installExportGate(t.databaseUrl);
    try {
      await gate.close();
      const held = await startExport(t.url, token, { entity: 'CONTACTS' });
      await gate.waitForExport();

      // While it is held, a job beside it ends and is announced at once; the held one is not.
      const beside = await importAndWait(t.url, token, validContactsCsv(3, 'beside'));
      await rx.waitFor((r) => forJob(r, beside.id).length === 1);
      await sleep(SETTLE_MS);
      expect(forJob(rx.received, held.id)).toEqual([]);
      expect(await jobDeliveries(t.url, token, held.id)).toEqual([]);

      // The cancel waits for the export's update held at the gate, then ends the job.
      const cancelling = gql(t.url, token, CANCEL_JOB, { id: held.id });
      await sleep(200);
      await gate.open();
      const cancelled = (await cancelling).data.cancelJob;
      expect(cancelled.status).toBe('CANCELLED');
      await waitForDeliveries(t.url, token, held.id, 1);
      await sleep(SETTLE_MS);
      const messages = forJob(rx.received, held.id);
      expect(messages).toHaveLength(1);
      const body = bodyOf(messages[0]);
      expect(body.type).toBe('job.cancelled');
      expect(body.data).toMatchObject({ id: held.id, kind: 'EXPORT', status: 'CANCELLED', failureReason: null });
      expect(body.data.links).toEqual({}); // no file for a cancelled export
      const final = await pollJob(t.url, token, held.id, () => true);
      expect(body.data.counts.processed).toBe(final.processedRows);
    } finally {
      await gate.remove();
    }
  });

  it('should raise job.failed for a job the sweeper fails, and job.completed for a revert', async () => {
    const token = await t.token('wh-paths');
    const rx = await receiver();
    await createWebhook(t.url, token, { url: `${rx.url}/paths` });

    // A RUNNING import with no task left, untouched for ten minutes: what the sweeper's cron fails.
    const stuckId = randomUUID();
    await withDatabase(t.databaseUrl, (db) =>
      db.query(
        `INSERT INTO jobs (id, workspace_id, kind, entity, status, updated_at)
         SELECT $1, id, 'IMPORT', 'CONTACTS', 'RUNNING', now() - interval '10 minutes' FROM workspaces WHERE name = 'wh-paths'`,
        [stuckId],
      ),
    );
    const pool = new pg.Pool({ connectionString: t.databaseUrl, max: 1 });
    try {
      expect((await sweepStuckJobs(pool, 120)).map((j) => j.id)).toContain(stuckId);
    } finally {
      await pool.end();
    }
    const [swept] = await waitForDeliveries(t.url, token, stuckId, 1);
    expect(swept).toMatchObject({ event: 'JOB_FAILED', status: 'DELIVERED' });
    expect(bodyOf(forJob(rx.received, stuckId)[0]).data.failureReason).toMatch(/processing stopped unexpectedly/);

    const imported = await importAndWait(t.url, token, validContactsCsv(4, 'undone'));
    const revert = await gql(t.url, token, `mutation($id: ID!) { revertImport(id: $id) { id } }`, { id: imported.id });
    const revertId = revert.data.revertImport.id;
    await pollJob(t.url, token, revertId, (j) => j.status === 'COMPLETED');
    await waitForDeliveries(t.url, token, revertId, 1);
    const body = bodyOf(forJob(rx.received, revertId)[0]);
    expect(body.type).toBe('job.completed');
    expect(body.data).toMatchObject({ kind: 'REVERT', status: 'COMPLETED', revertsJobId: imported.id, counts: { deleted: 4 } });
  });

  it('should sign with both secrets during a rotation, so either verifies, and with the new one only once the window has passed', async () => {
    const token = await t.token('wh-rotate');
    const rx = await receiver();
    const { endpoint, secret: oldSecret } = await createWebhook(t.url, token, { url: `${rx.url}/rotate` });
    const rotated = await gql(t.url, token, ROTATE_WEBHOOK_SECRET, { id: endpoint.id });
    expect(rotated.errors).toBeUndefined();
    const newSecret = rotated.data.rotateWebhookSecret.secret;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(oldSecret);
    const until = new Date(rotated.data.rotateWebhookSecret.previousSecretExpiresAt).getTime();
    expect(Math.abs(until - (Date.now() + 86_400_000))).toBeLessThan(60_000); // WEBHOOK_ROTATION_OVERLAP_SECONDS: a day

    const during = await importAndWait(t.url, token, validContactsCsv(2, 'rotate-a'));
    await rx.waitFor((r) => forJob(r, during.id).length === 1);
    const msg = forJob(rx.received, during.id)[0];
    expect(msg.headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const secret of [oldSecret, newSecret]) {
      expect((new Webhook(secret).verify(msg.body, msg.headers) as any).data.id).toBe(during.id);
      expect(hmacVerifies(secret, msg.headers, msg.body)).toBe(true);
    }

    // As if the window had passed: the previous secret no longer signs.
    await withDatabase(t.databaseUrl, (db) =>
      db.query(`UPDATE webhook_endpoints SET previous_secret_expires_at = now() - interval '1 second' WHERE id = $1`, [endpoint.id]),
    );
    const listed = await gql(t.url, token, LIST_WEBHOOKS);
    expect(listed.data.webhookEndpoints.find((e: any) => e.id === endpoint.id).previousSecretExpiresAt).toBeNull();
    const after = await importAndWait(t.url, token, validContactsCsv(2, 'rotate-b'));
    await rx.waitFor((r) => forJob(r, after.id).length === 1);
    const later = forJob(rx.received, after.id)[0];
    expect(later.headers['webhook-signature'].split(' ')).toHaveLength(1);
    expect(hmacVerifies(newSecret, later.headers, later.body)).toBe(true);
    expect(() => new Webhook(newSecret).verify(later.body, later.headers)).not.toThrow();
    expect(hmacVerifies(oldSecret, later.headers, later.body)).toBe(false);
    expect(() => new Webhook(oldSecret).verify(later.body, later.headers)).toThrow();
  });

  it('should count an answer slower than WEBHOOK_TIMEOUT_MS as a failed attempt and retry it', async () => {
    const token = await t.token('wh-timeout');
    const rx = await receiver((_, seenBefore) => (seenBefore === 0 ? { status: 200, afterMs: 2500 } : 200));
    await createWebhook(t.url, token, { url: `${rx.url}/slow` });
    const job = await importAndWait(t.url, token, validContactsCsv(2, 'slow'));
    const [delivery] = await waitForDeliveries(t.url, token, job.id, 1);
    expect(delivery.status).toBe('DELIVERED');
    expect(delivery.attempts).toHaveLength(2);
    expect(delivery.attempts[0]).toMatchObject({ statusCode: null, error: 'no complete answer within 1000 ms' });
    expect(delivery.attempts[0].durationMs).toBeGreaterThanOrEqual(1000);
    expect(delivery.attempts[1]).toMatchObject({ statusCode: 200, error: null });
  });

  it('should link a completed export to its file in the body, with a fresh signed link', async () => {
    const token = await t.token('wh-export');
    await importAndWait(t.url, token, validContactsCsv(4, 'exported'));
    const rx = await receiver();
    await createWebhook(t.url, token, { url: `${rx.url}/export`, events: ['JOB_COMPLETED'] });
    const job = await startExport(t.url, token, { entity: 'CONTACTS' });
    await rx.waitFor((r) => forJob(r, job.id).length === 1);
    const body = bodyOf(forJob(rx.received, job.id)[0]);
    expect(body.data).toMatchObject({ kind: 'EXPORT', status: 'COMPLETED', counts: { total: 4, succeeded: 4 } });
    expect(body.data.links.downloadUrl).toMatch(/^http:\/\/bulkport\.test\/files\//);
    expect(new Date(body.data.links.downloadExpiresAt).getTime()).toBeGreaterThan(Date.now());
    const file = await download(body.data.links.downloadUrl.replace('http://bulkport.test', new URL(t.url).origin));
    expect(file.status).toBe(200);
    expect(file.body.toString('utf8').split('\n').filter(Boolean)).toHaveLength(5);
  });

  it('should link an import that ended with failed rows to its failed-rows file in the body', async () => {
    const token = await t.token('wh-failed-rows');
    const rx = await receiver();
    await createWebhook(t.url, token, { url: `${rx.url}/imports`, events: ['JOB_COMPLETED'] });
    const csv = 'email,first_name\nok@example.com,Ann\nnot-an-email,Bob\n';
    const job = await importAndWait(t.url, token, csv);
    expect(job).toMatchObject({ status: 'COMPLETED', failedRows: 1 });
    await rx.waitFor((r) => forJob(r, job.id).length === 1);
    const { links } = bodyOf(forJob(rx.received, job.id)[0]).data;
    expect(links.failedRowsUrl).toMatch(/^http:\/\/bulkport\.test\/files\/.+\/failed-rows\?/);
    const file = await download(links.failedRowsUrl.replace('http://bulkport.test', new URL(t.url).origin));
    expect(file.status).toBe(200);
    expect(file.body.toString('utf8')).toContain('not-an-email,Bob,3,');
  });

  it('should let members manage their own endpoints, and support staff only list them', async () => {
    const member = await t.token('wh-access');
    const support = await t.token('wh-access', 'support');
    const other = await t.token('wh-access-other');
    const { endpoint } = await createWebhook(t.url, member, { url: 'http://example.com/hooks', events: ['JOB_FAILED', 'JOB_COMPLETED'] });
    expect(endpoint.events).toEqual(['JOB_COMPLETED', 'JOB_FAILED']);

    const seenBySupport = await gql(t.url, support, LIST_WEBHOOKS);
    expect(seenBySupport.data.webhookEndpoints.map((e: any) => e.id)).toContain(endpoint.id);
    const secretAsked = await gql(t.url, support, `{ webhookEndpoints { id secret } }`);
    expect(secretAsked.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    for (const [query, variables] of [
      [`mutation { createWebhookEndpoint(input: { url: "http://example.com/x" }) { secret } }`, {}],
      [ROTATE_WEBHOOK_SECRET, { id: endpoint.id }],
      [DELETE_WEBHOOK, { id: endpoint.id }],
    ] as const) {
      const r = await gql(t.url, support, query, variables);
      expect(r.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    }

    // Another workspace neither sees nor touches it.
    expect((await gql(t.url, other, LIST_WEBHOOKS)).data.webhookEndpoints).toEqual([]);
    expect((await gql(t.url, other, DELETE_WEBHOOK, { id: endpoint.id })).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await gql(t.url, other, ROTATE_WEBHOOK_SECRET, { id: endpoint.id })).errors?.[0].extensions?.code).toBe('NOT_FOUND');

    const bad = async (input: Record<string, unknown>) =>
      (await gql(t.url, member, `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret } }`, { input })).errors?.[0]
        .extensions;
    expect(await bad({ url: 'ftp://example.com/hooks' })).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'UNSUPPORTED_SCHEME' });
    expect(await bad({ url: 'not a url' })).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_URL' });
    expect(await bad({ url: 'http://example.com/', events: [] })).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'NO_EVENTS' });

    const deleted = await gql(t.url, member, DELETE_WEBHOOK, { id: endpoint.id });
    expect(deleted.data.deleteWebhookEndpoint.id).toBe(endpoint.id);
    expect((await gql(t.url, member, LIST_WEBHOOKS)).data.webhookEndpoints).toEqual([]);
  });
});

describe('webhooks in production (NODE_ENV=production)', () => {
  let t: TestApp;
  let rx: WebhookReceiver;
  beforeAll(async () => {
    t = await startTestApp({ nodeEnv: 'production', webhookRetryBaseMs: 100, webhookRetryMaxDelayMs: 200, webhookRetryForSeconds: 2 });
    rx = await startWebhookReceiver();
  });
  afterAll(async () => {
    await t?.stop();
    await rx?.close();
  });

  it('should refuse to register URLs that resolve to loopback, private or link-local addresses', async () => {
    const token = await t.token('ssrf');
    for (const url of [
      `${rx.url}/hooks`,
      'http://localhost:8080/hooks',
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.7/',
      'http://[::1]:4000/',
      'https://[fe80::1]/',
    ]) {
      const r = await gql(t.url, token, `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret } }`, {
        input: { url },
      });
      expect(r.errors?.[0].extensions, url).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'PRIVATE_ADDRESS' });
    }
    expect((await gql(t.url, token, LIST_WEBHOOKS)).data.webhookEndpoints).toEqual([]);
  });

  it('should check again at delivery: an endpoint that now resolves to a private address is never called, and its delivery ends FAILED', async () => {
    const token = await t.token('ssrf-later');
    // As if registered while its name resolved to a public address: rows written straight to the table.
    await withDatabase(t.databaseUrl, (db) =>
      db.query(
        `INSERT INTO webhook_endpoints (id, workspace_id, url, events, secret)
         SELECT gen_random_uuid(), w.id, u.url, ARRAY['JOB_COMPLETED']::"WebhookEventType"[], $2
         FROM workspaces w, unnest($3::text[]) AS u(url) WHERE w.name = $1`,
        ['ssrf-later', `whsec_${randomBytes(32).toString('base64')}`, [`${rx.url}/literal`, `http://localhost:${new URL(rx.url).port}/named`]],
      ),
    );
    const job = await importAndWait(t.url, token, validContactsCsv(2, 'ssrf'));
    const deliveries = await waitForDeliveries(t.url, token, job.id, 2);
    for (const d of deliveries) {
      expect(d.status).toBe('FAILED');
      expect(d.attempts.length).toBeGreaterThanOrEqual(1);
      for (const a of d.attempts) {
        expect(a.statusCode).toBeNull();
        expect(a.error).toMatch(/loopback, private or link-local address: refused/);
      }
    }
    expect(rx.received).toEqual([]);
  });
});
