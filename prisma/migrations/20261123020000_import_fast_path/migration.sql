-- AlterTable: set once a merge of this import meets an existing key; until then merges use a plain INSERT.
ALTER TABLE "jobs" ADD COLUMN "conflicts_met" BOOLEAN NOT NULL DEFAULT false;
