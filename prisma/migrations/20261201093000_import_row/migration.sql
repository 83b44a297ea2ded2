-- The file row that last wrote each entity row (with import_job_id, the import). A merge returns it
-- from INSERT … RETURNING, so the undo ledger is written without joining back to staging.
-- Nullable, no default: adding it rewrites nothing.
ALTER TABLE "contacts" ADD COLUMN "import_row" INTEGER;
ALTER TABLE "invoices" ADD COLUMN "import_row" INTEGER;
