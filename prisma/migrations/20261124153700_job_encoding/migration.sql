-- AlterTable: the text encoding an import's file is read in (UTF-8, UTF-16LE, UTF-16BE, WINDOWS-1252),
-- detected while the upload is stored or forced by the caller. NULL for exports, and for imports
-- queued before this column existed (those are read as UTF-8, as they were then).
ALTER TABLE "jobs" ADD COLUMN "encoding" TEXT;
