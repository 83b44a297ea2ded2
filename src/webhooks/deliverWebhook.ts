import type pg from 'pg';
import type { Config } from '../config.ts';
import { loadJob } from '../jobs/state/loadJob.ts';
import type { BlobStore } from '../storage/blobStore.ts';
import { abandonDelivery, loadPendingDelivery, recordAttempt, type AttemptOutcome } from './deliverySql.ts';
import { guardsPrivateAddresses } from './endpointUrl.ts';
import { eventLinks } from './eventLinks.ts';
import { nextStep } from './retrySchedule.ts';
import { sendWebhook } from './sendWebhook.ts';
import { signatureHeader } from './webhookSecret.ts';

export interface DeliveryDeps {
  pool: pg.Pool;
  store: BlobStore;
  config: Config;
}

/**
 * Makes one attempt at a PENDING delivery and records it: DELIVERED on a 2xx answer (no attempt
 * follows, so an endpoint sees each event once it has answered 2xx), else another attempt is queued
 * after a backoff, until WEBHOOK_RETRY_FOR_SECONDS after the event, after which it is FAILED.
 * Returns what was recorded, or null when there was nothing to do.
 *
 * At least once: a worker that dies between the answer and the record attempts again, with the same
 * webhook-id, which receivers use to drop repeats (Standard Webhooks).
 */
export async function deliverWebhook(deps: DeliveryDeps, deliveryId: string): Promise<AttemptOutcome | null> {
  const delivery = await loadPendingDelivery(deps.pool, deliveryId);
  if (!delivery) return null;
  if (!delivery.endpointId) {
    await abandonDelivery(deps.pool, deliveryId);
    return { status: 'FAILED' };
  }
  const job = await loadJob(deps.pool, delivery.jobId);
  const links = job ? await eventLinks(deps, job) : {};
  const body = JSON.stringify({ ...delivery.payload, data: { ...delivery.payload.data, links } });

  const attemptedAt = new Date();
  const headers = {
    'webhook-id': delivery.id,
    'webhook-timestamp': String(Math.floor(attemptedAt.getTime() / 1000)),
    'webhook-signature': signatureHeader(delivery.secrets, delivery.id, attemptedAt, body),
  };
  const sent = await sendWebhook(delivery.url, body, headers, {
    timeoutMs: deps.config.webhookTimeoutMs,
    publicOnly: guardsPrivateAddresses(deps.config),
  });

  const attempt = delivery.attempts + 1;
  const ok = sent.statusCode !== null && sent.statusCode >= 200 && sent.statusCode < 300;
  const step = ok ? null : nextStep(attempt, delivery.createdAt, new Date(), deps.config);
  const outcome: AttemptOutcome = ok ? { status: 'DELIVERED' } : step?.retry ? { status: 'PENDING', retryInMs: step.delayMs } : { status: 'FAILED' };
  const recorded = await recordAttempt(deps.pool, deliveryId, { attempt, attemptedAt, ...sent }, outcome);
  return recorded ? outcome : null;
}
