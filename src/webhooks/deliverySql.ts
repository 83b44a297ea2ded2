import type pg from 'pg';
import { queueTask } from '../queue/queueTask.ts';
import type { WebhookPayload } from './webhookEvent.ts';

/** A delivery still to be attempted, with what signing it needs. */
export interface PendingDelivery {
  id: string;
  jobId: string;
  url: string;
  payload: WebhookPayload;
  attempts: number;
  createdAt: Date;
  /** Null once the endpoint was deleted. */
  endpointId: string | null;
  /** The endpoint's secrets that sign now: the current one, and the previous one during a rotation. */
  secrets: string[];
}

/** A PENDING delivery, or null when it has ended (delivered or failed) or does not exist. */
export async function loadPendingDelivery(db: pg.Pool, deliveryId: string): Promise<PendingDelivery | null> {
  const { rows } = await db.query<PendingDelivery>(
    `SELECT d.id, d.job_id AS "jobId", d.url, d.payload, d.attempts, d.created_at AS "createdAt", d.endpoint_id AS "endpointId",
       CASE WHEN e.id IS NULL THEN ARRAY[]::text[]
            WHEN e.previous_secret IS NOT NULL AND e.previous_secret_expires_at > now() THEN ARRAY[e.secret, e.previous_secret]
            ELSE ARRAY[e.secret] END AS secrets
     FROM webhook_deliveries d LEFT JOIN webhook_endpoints e ON e.id = d.endpoint_id
     WHERE d.id = $1 AND d.status = 'PENDING'`,
    [deliveryId],
  );
  return rows[0] ?? null;
}

export interface AttemptRecord {
  /** 1 for the first attempt. */
  attempt: number;
  attemptedAt: Date;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
}

/** What follows an attempt: DELIVERED, FAILED for good, or another attempt after a delay. */
export type AttemptOutcome = { status: 'DELIVERED' } | { status: 'FAILED' } | { status: 'PENDING'; retryInMs: number };

/**
 * Records one attempt and what follows it, in ONE transaction: the attempt row, the delivery's new
 * state and, for a retry, the task that makes it (queued under the delivery's key, so it replaces the
 * running one). Returns false, having changed nothing, when this attempt was already recorded (the
 * task ran twice, e.g. after its worker was declared dead): each attempt number is written once.
 */
export async function recordAttempt(pool: pg.Pool, deliveryId: string, a: AttemptRecord, outcome: AttemptOutcome): Promise<boolean> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const inserted = await client.query(
      `INSERT INTO webhook_delivery_attempts (delivery_id, attempt, attempted_at, status_code, duration_ms, error)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
      [deliveryId, a.attempt, a.attemptedAt, a.statusCode, a.durationMs, a.error?.slice(0, 1000) ?? null],
    );
    const retryInMs = outcome.status === 'PENDING' ? outcome.retryInMs : null;
    const updated = inserted.rowCount
      ? await client.query(
          `UPDATE webhook_deliveries SET attempts = $2, status = $3::"WebhookDeliveryStatus",
             next_attempt_at = CASE WHEN $4::float8 IS NULL THEN NULL ELSE now() + make_interval(secs => $4::float8 / 1000) END,
             ended_at = CASE WHEN $3::"WebhookDeliveryStatus" = 'PENDING' THEN NULL ELSE now() END
           WHERE id = $1 AND status = 'PENDING' AND attempts = $2 - 1`,
          [deliveryId, a.attempt, outcome.status, retryInMs],
        )
      : { rowCount: 0 };
    if (!updated.rowCount) {
      await client.query('ROLLBACK');
      return false;
    }
    if (retryInMs !== null) await queueTask(client, 'webhook_deliver', { deliveryId }, { delayMs: retryInMs });
    await client.query('COMMIT');
    return true;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Ends a delivery that cannot be attempted (its endpoint was deleted) as FAILED. */
export async function abandonDelivery(pool: pg.Pool, deliveryId: string): Promise<void> {
  await pool.query(`UPDATE webhook_deliveries SET status = 'FAILED', next_attempt_at = NULL, ended_at = now() WHERE id = $1 AND status = 'PENDING'`, [
    deliveryId,
  ]);
}
