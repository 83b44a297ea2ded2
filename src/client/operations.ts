/**
 * The GraphQL documents the CLI sends, and the shapes it reads back. Only the public API
 * (schema.graphql); fields that only newer servers have are added only when a flag asks for them.
 */
export type JobStatus = 'QUEUED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';
export const TERMINAL: readonly JobStatus[] = ['COMPLETED', 'FAILED', 'CANCELLED'];

const PROGRESS_FIELDS = 'status totalRows processedRows succeededRows failedRows percent rowsPerSecond etaSeconds';

export interface ProgressEvent {
  status: JobStatus;
  totalRows: number | null;
  processedRows: number;
  succeededRows: number;
  failedRows: number;
  percent: number;
  rowsPerSecond: number | null;
  etaSeconds: number | null;
}

export const START_IMPORT = `mutation StartImport($input: StartImportInput!) { startImport(input: $input) { id status fileName } }`;
export const START_EXPORT = `mutation StartExport($input: StartExportInput!) { startExport(input: $input) { id status } }`;
export const CANCEL_JOB = `mutation CancelJob($id: ID!) { cancelJob(id: $id) { id status } }`;
export const JOB_PROGRESS = `subscription JobProgress($id: ID!) { jobProgress(jobId: $id) { ${PROGRESS_FIELDS} } }`;
export const POLL_JOB = `query PollJob($id: ID!) { job(id: $id) { ${PROGRESS_FIELDS} } }`;

export interface StartedJob {
  id: string;
  status: JobStatus;
  fileName?: string | null;
}

export interface RowError {
  row: number;
  column: string | null;
  code: string;
  message: string;
  value: string | null;
}

export interface JobSummary extends ProgressEvent {
  id: string;
  kind: 'IMPORT' | 'EXPORT';
  entity: string;
  fileName: string | null;
  insertedRows: number;
  updatedRows: number;
  unchangedRows: number;
  ignoredColumns: string[];
  failureReason: string | null;
  errors: { totalCount: number; nodes: RowError[] };
  /** only asked for with --dry-run (servers with issue 7's dry runs) */
  dryRun?: boolean;
  wouldInsert?: number | null;
  wouldUpdate?: number | null;
}

/** The job at its end, with its first row errors; `dryRun` adds the dry-run fields. */
export function jobSummaryQuery(opts: { dryRun: boolean }): string {
  return `query JobSummary($id: ID!, $errors: Int) { job(id: $id) {
    id kind entity fileName ${PROGRESS_FIELDS} insertedRows updatedRows unchangedRows ignoredColumns failureReason
    errors(first: $errors) { totalCount nodes { row column code message value } }
    ${opts.dryRun ? 'dryRun wouldInsert wouldUpdate' : ''}
  } }`;
}

export const FAILED_ROWS_URL = `query FailedRowsUrl($id: ID!) { job(id: $id) { failedRowsUrl } }`;
export const DOWNLOAD_URL = `query DownloadUrl($id: ID!) { job(id: $id) { downloadUrl } }`;
