import type { Task } from 'graphile-worker';
import { isReadablePayload } from '../../queue/tasks.ts';
import { deliverWebhook } from '../../webhooks/deliverWebhook.ts';
import type { WorkerContext } from '../workerContext.ts';

/**
 * Task `webhook_deliver` {deliveryId}: one attempt at one webhook; the retry, if any, is queued in
 * the transaction that records the attempt (src/webhooks/deliverySql.ts), with our own backoff.
 * A throw here means the outcome could not be recorded (the database is away): graphile-worker
 * runs the task again later.
 */
export function webhookDeliver(ctx: WorkerContext): Task<'webhook_deliver'> {
  return async (payload, helpers) => {
    if (!isReadablePayload('webhook_deliver', payload)) {
      helpers.logger.error(`task webhook_deliver #${helpers.job.id} has an unreadable payload and is dropped: ${JSON.stringify(payload)?.slice(0, 200)}`);
      return;
    }
    const outcome = await deliverWebhook(ctx, payload.deliveryId);
    if (outcome?.status === 'FAILED') helpers.logger.warn(`webhook delivery ${payload.deliveryId} failed for good`);
  };
}
