-- CreateTable: one row per live graphile-worker pool (one per worker process), refreshed every few
-- seconds from PostgreSQL's clock. A pool whose row has gone stale is dead: the reaper frees the
-- tasks it held so another worker resumes them (see src/worker/reaper.ts), and ends the database
-- sessions of its process (application_name 'bulkport-<process_id>'), so a worker that was only
-- paused cannot finish a transaction after its work was handed to another.
CREATE TABLE "worker_heartbeats" (
    "pool_id" TEXT NOT NULL,
    "process_id" TEXT NOT NULL,
    "pid" INTEGER NOT NULL,
    "host" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    "last_seen" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),

    CONSTRAINT "worker_heartbeats_pkey" PRIMARY KEY ("pool_id")
);
