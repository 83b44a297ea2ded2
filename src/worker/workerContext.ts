import type pg from 'pg';
import type { Config } from '../config.ts';
import type { ProgressBus } from '../jobs/progressBus.ts';
import type { MetricsPort } from '../observability/metricsPort.ts';
import type { BlobStore } from '../storage/blobStore.ts';
import type { Heartbeat } from './heartbeat.ts';

/** What every worker task receives: shared connections, no HTTP or GraphQL. */
export interface WorkerContext {
  pool: pg.Pool;
  store: BlobStore;
  bus: ProgressBus;
  config: Config;
  heartbeat: Heartbeat;
  metrics: MetricsPort;
  /** Set once the process is shutting down: long tasks stop at their next boundary and hand themselves back. */
  shutdown: { readonly stopping: boolean };
}
