-- Per-workspace limits (NULL: the service's default from config) and exact row usage per entity.
ALTER TABLE "workspaces" ADD COLUMN "max_concurrent_jobs" INTEGER;
ALTER TABLE "workspaces" ADD COLUMN "max_upload_bytes" BIGINT;
-- {"CONTACTS": 1000000, ...}: rows a workspace may hold per entity; an entity not named uses the default.
ALTER TABLE "workspaces" ADD COLUMN "max_rows" JSONB NOT NULL DEFAULT '{}';

-- Rows a workspace holds per entity, changed in the same transaction as the rows it counts
-- (merges add what they insert, reverts subtract what they delete): it always equals count(*).
CREATE TABLE "workspace_usage" (
    "workspace_id" UUID NOT NULL,
    "entity" TEXT NOT NULL,
    "rows" BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT "workspace_usage_pkey" PRIMARY KEY ("workspace_id", "entity"),
    CONSTRAINT "workspace_usage_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "workspace_usage" ("workspace_id", "entity", "rows") SELECT "workspace_id", 'CONTACTS', count(*) FROM "contacts" GROUP BY 1;
INSERT INTO "workspace_usage" ("workspace_id", "entity", "rows") SELECT "workspace_id", 'INVOICES', count(*) FROM "invoices" GROUP BY 1;
