-- AlterTable: a dry run (validate only) goes through the whole import pipeline, but every merge rolls
-- its writes to the entity table back; its inserted/updated counters then say what WOULD have changed.
ALTER TABLE "jobs" ADD COLUMN "dry_run" BOOLEAN NOT NULL DEFAULT false;
