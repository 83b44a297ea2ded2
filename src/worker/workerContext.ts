import type pg from 'pg';
import type { Config } from '../config.ts';
import type { ProgressBus } from '../progress/progressBus.ts';
import type { BlobStore } from '../storage/blobStore.ts';

/** What every worker task receives: shared connections, no HTTP or GraphQL. */
export interface WorkerContext {
  pool: pg.Pool;
  store: BlobStore;
  bus: ProgressBus;
  config: Config;
}
