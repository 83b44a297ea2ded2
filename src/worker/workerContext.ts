import type pg from 'pg';
import type { Config } from '../config.ts';
import { announceJob } from '../jobs/announceJob.ts';
import type { JobRecord } from '../jobs/jobRecord.ts';
import type { ProgressBus } from '../progress/progressBus.ts';
import type { BlobStore } from '../storage/blobStore.ts';

/** What every worker task receives: shared connections, no HTTP or GraphQL. */
export interface WorkerContext {
  pool: pg.Pool;
  store: BlobStore;
  bus: ProgressBus;
  config: Config;
}

export function announce(ctx: WorkerContext, job: JobRecord | null): Promise<void> {
  return announceJob(ctx, job);
}
