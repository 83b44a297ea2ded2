import type { ExportOptions, ImportOptions, RevertOptions } from './jobOptions.ts';
import type { DuplicateStrategy, JobStatus } from './jobStatus.ts';

/** A jobs row as the domain sees it (camelCase): its options are typed by its kind. */
export type JobRecord = ImportJob | ExportJob | RevertJob;
export type ImportJob = JobFields & { kind: 'IMPORT'; options: ImportOptions };
export type ExportJob = JobFields & { kind: 'EXPORT'; options: ExportOptions };
/** Undoes an import (revertsJobId) from its ledger. */
export type RevertJob = JobFields & { kind: 'REVERT'; options: RevertOptions };

interface JobFields {
  id: string;
  workspaceId: string;
  entity: string;
  status: JobStatus;
  fileName: string | null;
  fileKey: string | null;
  fileBytes: number | bigint | null;
  duplicateStrategy: DuplicateStrategy | null;
  idempotencyKey: string | null;
  /** Imports: the file's text encoding (a FileEncoding name); null for exports and for imports older than the column. */
  encoding: string | null;
  /** Imports: validate only; nothing is written to the entity table. */
  dryRun: boolean;
  totalRows: number | null;
  processedRows: number;
  succeededRows: number;
  failedRows: number;
  insertedRows: number;
  updatedRows: number;
  unchangedRows: number;
  /** Reverts: rows the import had inserted, deleted again. */
  deletedRows: number;
  /** Reverts: the import this job undoes. */
  revertsJobId: string | null;
  percent: number;
  stagedRows: number;
  stagedBytes: number | bigint;
  stagedChunks: number;
  stagedToRow: number;
  storedErrors: number;
  errorsTruncated: boolean;
  totalChunks: number | null;
  mergedChunks: number;
  conflictsMet: boolean;
  failureReason: string | null;
  resultKey: string | null;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  updatedAt: Date;
}

/** SELECT list mapping the jobs table onto JobRecord, for raw SQL (RETURNING ${JOB_COLUMNS}). */
export const JOB_COLUMNS = `id, workspace_id AS "workspaceId", kind, entity, status, file_name AS "fileName",
  file_key AS "fileKey", file_bytes AS "fileBytes", duplicate_strategy AS "duplicateStrategy",
  idempotency_key AS "idempotencyKey", encoding, dry_run AS "dryRun", options, total_rows AS "totalRows", processed_rows AS "processedRows",
  succeeded_rows AS "succeededRows", failed_rows AS "failedRows", inserted_rows AS "insertedRows",
  updated_rows AS "updatedRows", unchanged_rows AS "unchangedRows", deleted_rows AS "deletedRows", reverts_job_id AS "revertsJobId", percent, staged_rows AS "stagedRows",
  staged_bytes AS "stagedBytes", staged_chunks AS "stagedChunks", staged_to_row AS "stagedToRow",
  stored_errors AS "storedErrors", errors_truncated AS "errorsTruncated", total_chunks AS "totalChunks",
  merged_chunks AS "mergedChunks", conflicts_met AS "conflictsMet", failure_reason AS "failureReason", result_key AS "resultKey",
  created_at AS "createdAt", started_at AS "startedAt", completed_at AS "completedAt", updated_at AS "updatedAt"`;
