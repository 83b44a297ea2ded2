/**
 * Every graphile-worker task Bulkport queues: its identifier, its payload and its job_key, in one
 * place. Payloads are typed for graphile-worker through its `GraphileWorker.Tasks` declaration
 * merging, so a task handler and the code that queues it agree at compile time.
 */

/** Retries of a task that failed with a transient error: counted in the payload, see worker/runJobTask.ts. */
export interface Retry {
  /** 1 on the first run; n + 1 when a transient failure queued the task again. @default 1 */
  attempt?: number;
}

export interface ImportStagePayload extends Retry {
  jobId: string;
}

export interface ImportMergePayload extends Retry {
  jobId: string;
  /** Chunk number, or DEFERRED_CHUNK for the rows the key filter deferred until staging ended. */
  chunk: number;
  fromRow: number;
  toRow: number;
  /** Data rows of the chunk this merge counts as processed. */
  rows: number;
  /** Of those, rows rejected while staging (counted, not staged). Staging must hold rows − rejected. @default 0 */
  rejected?: number;
  /** false: the chunk's own rows; true: the rows the key filter deferred, settled after staging. */
  deferred: boolean;
}

export interface JobPayload extends Retry {
  jobId: string;
}

/** One attempt at one webhook delivery (its retries are scheduled by the task itself, see src/webhooks/). */
export interface WebhookDeliverPayload {
  deliveryId: string;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace GraphileWorker {
    interface Tasks {
      import_stage: ImportStagePayload;
      import_merge: ImportMergePayload;
      import_cleanup: JobPayload;
      export_run: JobPayload;
      revert_run: JobPayload;
      webhook_deliver: WebhookDeliverPayload;
      sweep_stuck_jobs: unknown;
      retention_sweep: unknown;
    }
  }
}

export type TaskName = keyof GraphileWorker.Tasks;
export type PayloadOf<T extends TaskName> = GraphileWorker.Tasks[T];

/** The chunk number of the one extra chunk that merges the rows the key filter deferred. */
export const DEFERRED_CHUNK = -1;

/**
 * job_keys: at most one queued or running task per key. Every task about a job carries the job's id
 * in its payload too (`payload.jobId`), which is what queries about a job's tasks use.
 */
export const taskKey = {
  importStage: (jobId: string) => `import:${jobId}:stage`,
  importMerge: (jobId: string, chunk: number) => `import:${jobId}:merge:${chunk === DEFERRED_CHUNK ? 'deferred' : chunk}`,
  importCleanup: (jobId: string) => `import:${jobId}:cleanup`,
  exportRun: (jobId: string) => `export:${jobId}:run`,
  revertRun: (jobId: string) => `revert:${jobId}:run`,
  webhookDeliver: (deliveryId: string) => `webhook:${deliveryId}`,
};

/** The key a task with this payload was queued under (so a running task can hand itself back). */
export function keyOf<T extends TaskName>(task: T, payload: PayloadOf<T>): string | null {
  const p = payload as Partial<ImportMergePayload>;
  switch (task) {
    case 'import_stage':
      return taskKey.importStage(p.jobId!);
    case 'import_merge':
      return taskKey.importMerge(p.jobId!, p.chunk!);
    case 'import_cleanup':
      return taskKey.importCleanup(p.jobId!);
    case 'export_run':
      return taskKey.exportRun(p.jobId!);
    case 'revert_run':
      return taskKey.revertRun(p.jobId!);
    case 'webhook_deliver':
      return taskKey.webhookDeliver((payload as WebhookDeliverPayload).deliveryId);
    default:
      return null;
  }
}

const isInt = (v: unknown) => Number.isInteger(v);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * True when a payload read back from the queue has the shape its task needs. A payload that does
 * not (written by hand, by an older version, or corrupted) can never succeed: it is poison, failed
 * at once instead of retried.
 */
export function isReadablePayload(task: TaskName, payload: unknown): boolean {
  if (payload === null || typeof payload !== 'object') return false;
  const p = payload as Record<string, unknown>;
  if (task === 'webhook_deliver') return typeof p.deliveryId === 'string' && UUID.test(p.deliveryId);
  if (typeof p.jobId !== 'string' || !UUID.test(p.jobId)) return false;
  if (p.attempt !== undefined && !(isInt(p.attempt) && (p.attempt as number) >= 1)) return false;
  if (task !== 'import_merge') return true;
  const rejected = p.rejected ?? 0;
  return (
    isInt(p.chunk) &&
    isInt(p.fromRow) &&
    isInt(p.toRow) &&
    isInt(p.rows) &&
    (p.rows as number) >= 0 &&
    typeof p.deferred === 'boolean' &&
    isInt(rejected) &&
    (rejected as number) >= 0 &&
    (rejected as number) <= (p.rows as number)
  );
}
