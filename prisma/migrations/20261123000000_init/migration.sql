-- CreateEnum
CREATE TYPE "TokenRole" AS ENUM ('member', 'support');
CREATE TYPE "JobKind" AS ENUM ('IMPORT', 'EXPORT');
CREATE TYPE "JobStatus" AS ENUM ('QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED');
CREATE TYPE "DuplicateStrategy" AS ENUM ('SKIP', 'UPDATE', 'FAIL');

-- CreateTable
CREATE TABLE "workspaces" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "workspaces_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "api_tokens" (
    "id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "token_hash" TEXT NOT NULL,
    "role" "TokenRole" NOT NULL DEFAULT 'member',
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "api_tokens_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "jobs" (
    "id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "kind" "JobKind" NOT NULL,
    "entity" TEXT NOT NULL,
    "status" "JobStatus" NOT NULL DEFAULT 'QUEUED',
    "file_name" TEXT,
    "file_key" TEXT,
    "file_bytes" BIGINT,
    "duplicate_strategy" "DuplicateStrategy",
    "idempotency_key" TEXT,
    "options" JSONB NOT NULL DEFAULT '{}',
    "total_rows" INTEGER,
    "processed_rows" INTEGER NOT NULL DEFAULT 0,
    "succeeded_rows" INTEGER NOT NULL DEFAULT 0,
    "failed_rows" INTEGER NOT NULL DEFAULT 0,
    "inserted_rows" INTEGER NOT NULL DEFAULT 0,
    "updated_rows" INTEGER NOT NULL DEFAULT 0,
    "unchanged_rows" INTEGER NOT NULL DEFAULT 0,
    "percent" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "staged_rows" INTEGER NOT NULL DEFAULT 0,
    "staged_bytes" BIGINT NOT NULL DEFAULT 0,
    "staged_chunks" INTEGER NOT NULL DEFAULT 0,
    "total_chunks" INTEGER,
    "merged_chunks" INTEGER NOT NULL DEFAULT 0,
    "failure_reason" TEXT,
    "result_key" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(6),
    "completed_at" TIMESTAMPTZ(6),
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "jobs_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "job_row_errors" (
    "job_id" UUID NOT NULL,
    "row" INTEGER NOT NULL,
    "column" TEXT NOT NULL DEFAULT '',
    "code" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "value" TEXT,
    CONSTRAINT "job_row_errors_pkey" PRIMARY KEY ("job_id","row","column")
);

CREATE TABLE "job_chunks" (
    "job_id" UUID NOT NULL,
    "chunk" INTEGER NOT NULL,
    "merged_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "job_chunks_pkey" PRIMARY KEY ("job_id","chunk")
);

CREATE TABLE "contacts" (
    "id" BIGSERIAL NOT NULL,
    "workspace_id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "first_name" TEXT NOT NULL,
    "last_name" TEXT NOT NULL DEFAULT '',
    "phone" TEXT,
    "company" TEXT,
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "import_job_id" UUID,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "contacts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "workspaces_name_key" ON "workspaces"("name");
CREATE UNIQUE INDEX "api_tokens_token_hash_key" ON "api_tokens"("token_hash");
CREATE INDEX "jobs_workspace_id_created_at_id_idx" ON "jobs"("workspace_id", "created_at" DESC, "id");
CREATE INDEX "jobs_status_idx" ON "jobs"("status");
CREATE UNIQUE INDEX "jobs_workspace_id_idempotency_key_key" ON "jobs"("workspace_id", "idempotency_key");
CREATE INDEX "contacts_workspace_id_created_at_idx" ON "contacts"("workspace_id", "created_at");
CREATE UNIQUE INDEX "contacts_workspace_id_email_key" ON "contacts"("workspace_id", "email");

-- AddForeignKey
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "job_row_errors" ADD CONSTRAINT "job_row_errors_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "job_chunks" ADD CONSTRAINT "job_chunks_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Per-import staging tables live here (created and dropped by the worker; see src/imports/stagingTables.ts).
CREATE SCHEMA IF NOT EXISTS "bulkport_staging";
