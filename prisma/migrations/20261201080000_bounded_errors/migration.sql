-- Bounded work per job: at most MAX_ROW_ERRORS row errors stored (stored_errors counts them; past the
-- cap rows still fail and count, and errors_truncated says so), and staging keeps only valid rows, so
-- the end of the last staged chunk is kept here (a resumed stage task continues after it).
ALTER TABLE "jobs" ADD COLUMN "stored_errors" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "jobs" ADD COLUMN "errors_truncated" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "jobs" ADD COLUMN "staged_to_row" INTEGER NOT NULL DEFAULT 0;
