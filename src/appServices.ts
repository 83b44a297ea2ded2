import type pg from 'pg';
import type { Config } from './config.ts';
import type { Db } from './db/prisma.ts';
import type { JobWatches } from './jobs/jobWatches.ts';
import type { Metrics } from './observability/metrics.ts';
import type { ProgressBus } from './jobs/progressBus.ts';
import type { BlobStore } from './storage/blobStore.ts';

/** The long-lived services every process has, created once in app.ts and passed down. */
export interface CoreServices {
  config: Config;
  /** The database this process uses (the embedded one's URL when DATABASE_URL is unset). */
  databaseUrl: string;
  /** Random per process: names its database sessions and its heartbeats. */
  processId: string;
  pool: pg.Pool;
  store: BlobStore;
  bus: ProgressBus;
  /** This process's Prometheus registry; domain code sees it only as a MetricsPort. */
  metrics: Metrics;
}

/** What the API role has besides: Prisma for typed reads, and the live progress of watched jobs. */
export interface AppServices extends CoreServices {
  prisma: Db;
  watches: JobWatches;
}
