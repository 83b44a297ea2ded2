/**
 * What the domain tells metrics, and nothing of how they are kept: domain code (merges, the reaper,
 * task runs) calls these, src/observability/metrics.ts turns them into Prometheus series, and a
 * test or a tool can pass noMetrics. Every call is cheap and never throws.
 */
export interface MetricsPort {
  /** An import chunk committed: `processed` rows, of which `failed` failed (counted once per chunk, after commit). */
  rowsMerged(entity: string, processed: number, failed: number): void;
  /** A job reached a terminal status, `seconds` after it was created. */
  jobEnded(kind: string, status: string, seconds: number): void;
  /** A task run started; call the returned function when it ends, however it ends. */
  taskStarted(task: string): () => void;
  /** A heartbeat write succeeded or failed. */
  heartbeat(ok: boolean): void;
  /** The reaper freed `tasks` tasks held by `pools` dead worker pools. */
  forcedUnlock(pools: number, tasks: number): void;
  /** Staging was found emptied (a database crash) and a restage of the job's file was queued. */
  restaged(): void;
}

export const noMetrics: MetricsPort = {
  rowsMerged: () => undefined,
  jobEnded: () => undefined,
  taskStarted: () => () => undefined,
  heartbeat: () => undefined,
  forcedUnlock: () => undefined,
  restaged: () => undefined,
};
