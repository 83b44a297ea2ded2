-- Undo an import: a REVERT job deletes the rows an import inserted and puts back the values it
-- overwrote, from the import's ledger (one LOGGED table per import in schema bulkport_ledger, written
-- in the merge transactions; see src/imports/importLedger.ts).
ALTER TYPE "JobKind" ADD VALUE 'REVERT';
ALTER TABLE "jobs" ADD COLUMN "reverts_job_id" UUID;
ALTER TABLE "jobs" ADD COLUMN "deleted_rows" INTEGER NOT NULL DEFAULT 0;
CREATE INDEX "jobs_reverts_job_id_idx" ON "jobs"("reverts_job_id");
CREATE SCHEMA IF NOT EXISTS bulkport_ledger;
-- At most one revert per import that is queued, running or done (a failed or cancelled one may be retried).
CREATE UNIQUE INDEX "jobs_one_revert_per_import" ON "jobs"("reverts_job_id") WHERE "status" IN ('QUEUED', 'RUNNING', 'COMPLETED');
