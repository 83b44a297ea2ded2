import type pg from 'pg';
import type { WebhookEventType } from './webhookEvent.ts';

export interface WebhookDeliveryView {
  /** The webhook-id header of every attempt. */
  id: string;
  event: WebhookEventType;
  endpointId: string | null;
  url: string;
  status: 'PENDING' | 'DELIVERED' | 'FAILED';
  createdAt: Date;
  nextAttemptAt: Date | null;
  endedAt: Date | null;
  attempts: Array<{ attempt: number; attemptedAt: Date; statusCode: number | null; durationMs: number; error: string | null }>;
}

/** A job's webhook deliveries, oldest first, each with its attempts in order (one query). */
export async function listJobDeliveries(pool: pg.Pool, jobId: string): Promise<WebhookDeliveryView[]> {
  const { rows } = await pool.query<WebhookDeliveryView & { attempts: Array<{ attemptedAt: string }> }>(
    `SELECT d.id, d.event, d.endpoint_id AS "endpointId", d.url, d.status, d.created_at AS "createdAt",
       d.next_attempt_at AS "nextAttemptAt", d.ended_at AS "endedAt",
       COALESCE((SELECT json_agg(json_build_object('attempt', a.attempt, 'attemptedAt', a.attempted_at, 'statusCode', a.status_code,
                  'durationMs', a.duration_ms, 'error', a.error) ORDER BY a.attempt)
                 FROM webhook_delivery_attempts a WHERE a.delivery_id = d.id), '[]') AS attempts
     FROM webhook_deliveries d WHERE d.job_id = $1 ORDER BY d.created_at, d.id`,
    [jobId],
  );
  return rows.map((r) => ({ ...r, attempts: r.attempts.map((a) => ({ ...a, attemptedAt: new Date(a.attemptedAt) })) })) as WebhookDeliveryView[];
}
