import type { JobStatus } from './jobStatus.ts';

/** What a worker publishes after each committed chunk, and what subscribers receive. */
export interface ProgressEvent {
  jobId: string;
  status: JobStatus;
  totalRows: number | null;
  processedRows: number;
  succeededRows: number;
  failedRows: number;
  percent: number;
  rowsPerSecond: number | null;
  etaSeconds: number | null;
}

/**
 * Fans progress out from workers to API processes. Delivery is best effort: PostgreSQL holds the
 * truth, and subscribers re-read it whenever the bus is quiet (src/jobs/jobWatches.ts), so a lost
 * message is never a lost state.
 */
export interface ProgressBus {
  /** Never waits for delivery and never rejects: a worker calls it after every commit. */
  publish(event: ProgressEvent): Promise<void>;
  /** Calls listener for every event of jobId until the returned function is called. */
  subscribe(jobId: string, listener: (event: ProgressEvent) => void): Promise<() => void>;
  /** True when the bus's transport answers now (a Redis PING); for /readyz and bulkport_redis_up. Never rejects. */
  isReachable(): Promise<boolean>;
  close(): Promise<void>;
}
