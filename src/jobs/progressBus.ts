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
  /**
   * When the job's row was last written (jobs.updated_at, ISO 8601): for the counters of a merged,
   * staged or reverted chunk, the moment the statement that wrote them ran, just before its commit
   * (clock_timestamp(), not the transaction's start). A re-read while nothing changed repeats it.
   */
  updatedAt: string;
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
