import type pg from 'pg';
import type { JobRecord } from '../jobs/jobRecord.ts';
import { queueTask } from '../queue/queueTask.ts';
import { EVENT_OF_STATUS, jobEventPayload } from './webhookEvent.ts';

/**
 * Writes one delivery per subscribed endpoint of the job's workspace for the event a job that has
 * just ended raises, and queues a `webhook_deliver` task for each.
 *
 * INVARIANT: call it in the SAME transaction as the statement that moved the job to its terminal
 * state (every file of src/jobs/state/ that does so calls it), so an event is never lost and never
 * sent for a state that did not commit. Each terminal UPDATE only matches a job that had not ended,
 * so a job raises one event, once; the unique (job, endpoint) index makes a second call change nothing.
 * Does nothing for a job that has not ended, or a workspace without endpoints.
 */
export async function queueJobEvent(db: pg.ClientBase, job: JobRecord | null): Promise<void> {
  const event = job && EVENT_OF_STATUS[job.status];
  if (!job || !event) return;
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO webhook_deliveries (id, job_id, endpoint_id, url, event, payload)
     SELECT gen_random_uuid(), $1, e.id, e.url, $3::"WebhookEventType", $4::jsonb FROM webhook_endpoints e
     WHERE e.workspace_id = $2 AND $3::"WebhookEventType" = ANY (e.events)
     ON CONFLICT (job_id, endpoint_id) DO NOTHING RETURNING id`,
    [job.id, job.workspaceId, event, JSON.stringify(jobEventPayload(event, job))],
  );
  for (const { id } of rows) await queueTask(db, 'webhook_deliver', { deliveryId: id });
}
