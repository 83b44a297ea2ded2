-- Signed webhooks (Standard Webhooks): a workspace's endpoints, one delivery per (job event, endpoint)
-- written in the transaction that ends the job (src/webhooks/queueJobEvent.ts), and every attempt.
CREATE TYPE "WebhookEventType" AS ENUM ('JOB_COMPLETED', 'JOB_FAILED', 'JOB_CANCELLED');
CREATE TYPE "WebhookDeliveryStatus" AS ENUM ('PENDING', 'DELIVERED', 'FAILED');

CREATE TABLE "webhook_endpoints" (
  "id" UUID NOT NULL,
  "workspace_id" UUID NOT NULL,
  "url" TEXT NOT NULL,
  "events" "WebhookEventType"[] NOT NULL,
  -- whsec_<base64>: kept as is, because signing needs it (it is never shown again after creation or rotation).
  "secret" TEXT NOT NULL,
  -- The secret before the last rotation: it still signs, beside the new one, until previous_secret_expires_at.
  "previous_secret" TEXT,
  "previous_secret_expires_at" TIMESTAMPTZ(6),
  "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  CONSTRAINT "webhook_endpoints_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "webhook_endpoints_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "webhook_endpoints_workspace_id_created_at_idx" ON "webhook_endpoints"("workspace_id", "created_at");

CREATE TABLE "webhook_deliveries" (
  -- Also the message's webhook-id: the same on every attempt, so receivers can drop repeats.
  "id" UUID NOT NULL,
  "job_id" UUID NOT NULL,
  -- Null once the endpoint is deleted: the record stays, a pending delivery ends FAILED.
  "endpoint_id" UUID,
  "url" TEXT NOT NULL,
  "event" "WebhookEventType" NOT NULL,
  -- { type, timestamp, data } as of the event; links are added fresh on each attempt.
  "payload" JSONB NOT NULL,
  "status" "WebhookDeliveryStatus" NOT NULL DEFAULT 'PENDING',
  "attempts" INTEGER NOT NULL DEFAULT 0,
  "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  "next_attempt_at" TIMESTAMPTZ(6),
  "ended_at" TIMESTAMPTZ(6),
  CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "webhook_deliveries_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT "webhook_deliveries_endpoint_id_fkey" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoints"("id") ON DELETE SET NULL ON UPDATE CASCADE
);
-- A job ends once, so each endpoint gets at most one delivery per job.
CREATE UNIQUE INDEX "webhook_deliveries_job_id_endpoint_id_key" ON "webhook_deliveries"("job_id", "endpoint_id");

CREATE TABLE "webhook_delivery_attempts" (
  "delivery_id" UUID NOT NULL,
  "attempt" INTEGER NOT NULL,
  "attempted_at" TIMESTAMPTZ(6) NOT NULL,
  -- Null when no HTTP answer came (refused address, connection error, timeout).
  "status_code" INTEGER,
  "duration_ms" INTEGER NOT NULL,
  "error" TEXT,
  CONSTRAINT "webhook_delivery_attempts_pkey" PRIMARY KEY ("delivery_id", "attempt"),
  CONSTRAINT "webhook_delivery_attempts_delivery_id_fkey" FOREIGN KEY ("delivery_id") REFERENCES "webhook_deliveries"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
