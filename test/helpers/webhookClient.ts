import { createHmac, timingSafeEqual } from 'node:crypto';
import { gql } from './graphqlClient.ts';

export const CREATE_WEBHOOK = `mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { endpoint { id url events createdAt previousSecretExpiresAt } secret }
}`;
export const LIST_WEBHOOKS = `{ webhookEndpoints { id url events createdAt previousSecretExpiresAt } }`;
export const DELETE_WEBHOOK = `mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { id url } }`;
export const ROTATE_WEBHOOK_SECRET = `mutation($id: ID!) {
  rotateWebhookSecret(id: $id) { endpoint { id previousSecretExpiresAt } secret previousSecretExpiresAt }
}`;
export const JOB_DELIVERIES = `query($id: ID!) { job(id: $id) { id status webhookDeliveries {
  id event endpointId url status createdAt nextAttemptAt endedAt attempts { attempt attemptedAt statusCode durationMs error }
} } }`;

/** Registers an endpoint and returns it with its secret; throws when the API refuses. */
export async function createWebhook(url: string, token: string, input: { url: string; events?: string[] }): Promise<{ endpoint: any; secret: string }> {
  const r = await gql(url, token, CREATE_WEBHOOK, { input });
  if (r.errors) throw new Error(`createWebhookEndpoint refused: ${JSON.stringify(r.errors)}`);
  return r.data.createWebhookEndpoint;
}

/** job(id).webhookDeliveries; throws on a GraphQL error. */
export async function jobDeliveries(url: string, token: string, jobId: string): Promise<any[]> {
  const r = await gql(url, token, JOB_DELIVERIES, { id: jobId });
  if (r.errors) throw new Error(`job(${jobId}).webhookDeliveries failed: ${JSON.stringify(r.errors)}`);
  return r.data.job.webhookDeliveries;
}

/** Polls a job's deliveries until every one of the `count` expected has ended (bounded). */
export async function waitForDeliveries(url: string, token: string, jobId: string, count: number, timeoutMs = 30_000): Promise<any[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const deliveries = await jobDeliveries(url, token, jobId);
    if (deliveries.length === count && deliveries.every((d) => d.status !== 'PENDING')) return deliveries;
    if (Date.now() > deadline) throw new Error(`job ${jobId}: deliveries did not end in ${timeoutMs} ms: ${JSON.stringify(deliveries)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The Standard Webhooks check written out by hand, independently of any library: the secret is the
 * base64 after `whsec_`; a signature is `v1,` + base64(HMAC-SHA256(secret, "id.timestamp.body"));
 * the header holds one or more, space-separated, and one match is enough.
 */
export function hmacVerifies(secret: string, headers: Record<string, string>, body: string): boolean {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`).digest();
  return headers['webhook-signature'].split(' ').some((entry) => {
    const [version, sig] = entry.split(',');
    const given = Buffer.from(sig ?? '', 'base64');
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
  });
}
