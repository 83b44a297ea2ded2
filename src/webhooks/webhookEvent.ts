import type { JobRecord } from '../jobs/jobRecord.ts';
import type { JobStatus } from '../jobs/jobStatus.ts';

/** The events an endpoint can subscribe to (GraphQL enum WebhookEventType). */
export const WEBHOOK_EVENT_TYPES = ['JOB_COMPLETED', 'JOB_FAILED', 'JOB_CANCELLED'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The event a terminal status raises. */
export const EVENT_OF_STATUS: Partial<Record<JobStatus, WebhookEventType>> = {
  COMPLETED: 'JOB_COMPLETED',
  FAILED: 'JOB_FAILED',
  CANCELLED: 'JOB_CANCELLED',
};

/** The body's `type` for each event. */
export const BODY_TYPE: Record<WebhookEventType, string> = {
  JOB_COMPLETED: 'job.completed',
  JOB_FAILED: 'job.failed',
  JOB_CANCELLED: 'job.cancelled',
};

/** What a webhook body says about the job: its final state, frozen when it ended. */
export interface JobEventData {
  id: string;
  kind: string;
  entity: string;
  status: JobStatus;
  fileName: string | null;
  dryRun: boolean;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  failureReason: string | null;
  counts: {
    total: number | null;
    processed: number;
    succeeded: number;
    failed: number;
    inserted: number;
    updated: number;
    unchanged: number;
    deleted: number;
  };
  /** The import a revert undoes. */
  revertsJobId: string | null;
}

export interface WebhookPayload {
  type: string;
  /** When the job ended (ISO 8601). */
  timestamp: string;
  data: JobEventData;
}

/** The stored body of the event a job that has just ended raises (links are added at each attempt). */
export function jobEventPayload(event: WebhookEventType, job: JobRecord): WebhookPayload {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  // A dry run wrote nothing: its inserted/updated counters say what the import would do (as Job.wouldInsert/wouldUpdate).
  const wrote = !job.dryRun;
  return {
    type: BODY_TYPE[event],
    timestamp: (job.completedAt ?? new Date()).toISOString(),
    data: {
      id: job.id,
      kind: job.kind,
      entity: job.entity,
      status: job.status,
      fileName: job.fileName,
      dryRun: job.dryRun,
      createdAt: job.createdAt.toISOString(),
      startedAt: iso(job.startedAt),
      completedAt: iso(job.completedAt),
      failureReason: job.failureReason,
      counts: {
        total: job.totalRows,
        processed: job.processedRows,
        succeeded: job.succeededRows,
        failed: job.failedRows,
        inserted: wrote ? job.insertedRows : 0,
        updated: wrote ? job.updatedRows : 0,
        unchanged: job.unchangedRows,
        deleted: job.deletedRows,
      },
      revertsJobId: job.revertsJobId,
    },
  };
}
