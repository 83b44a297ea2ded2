-- Column mappings saved per workspace and entity under a name (saveMapping), reused by startImport's
-- mappingName. Saving under an existing name replaces that mapping (one row per workspace, entity, name).
CREATE TABLE "saved_mappings" (
    "id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "entity" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "mapping" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "saved_mappings_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "saved_mappings_workspace_id_entity_name_key" ON "saved_mappings"("workspace_id", "entity", "name");

ALTER TABLE "saved_mappings" ADD CONSTRAINT "saved_mappings_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE CASCADE;
