/**
 * Every operation the web app sends, with the shapes it reads back. Fields of issue 7's contract
 * (API-CONTRACT-7) are kept in operations of their own, so that a server without them still serves
 * the rest of each page (see isUnsupportedByServer).
 */

export type Entity = 'CONTACTS' | 'INVOICES';
export type JobKind = 'IMPORT' | 'EXPORT';
export type JobStatus = 'QUEUED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';
export type DuplicateStrategy = 'SKIP' | 'UPDATE' | 'FAIL';
export type ExportFormat = 'CSV' | 'JSONL';

export const ENTITIES: { value: Entity; label: string }[] = [
  { value: 'CONTACTS', label: 'Contacts' },
  { value: 'INVOICES', label: 'Invoices' },
];

export const TERMINAL_STATUSES: readonly JobStatus[] = ['COMPLETED', 'FAILED', 'CANCELLED'];

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

// ---- jobs -------------------------------------------------------------------------------------

const JOB_SUMMARY = `id kind entity status fileName totalRows processedRows succeededRows failedRows percent
  rowsPerSecond etaSeconds createdAt`;

export interface JobSummaryFields {
  id: string;
  kind: JobKind;
  entity: Entity;
  status: JobStatus;
  fileName: string | null;
  totalRows: number | null;
  processedRows: number;
  succeededRows: number;
  failedRows: number;
  percent: number;
  rowsPerSecond: number | null;
  etaSeconds: number | null;
  createdAt: string;
}

export interface JobDetailFields extends JobSummaryFields {
  failureReason: string | null;
  startedAt: string | null;
  completedAt: string | null;
  duplicateStrategy: DuplicateStrategy | null;
  insertedRows: number;
  updatedRows: number;
  unchangedRows: number;
  ignoredColumns: string[];
  downloadUrl: string | null;
  downloadExpiresAt: string | null;
}

export const JOB_DETAIL = `query JobDetail($id: ID!) { job(id: $id) { ${JOB_SUMMARY}
  failureReason startedAt completedAt duplicateStrategy insertedRows updatedRows unchangedRows ignoredColumns
  downloadUrl downloadExpiresAt } }`;

/** Issue 7's Job fields. */
export interface JobContractFields {
  dryRun: boolean;
  wouldInsert: number | null;
  wouldUpdate: number | null;
  failedRowsUrl: string | null;
}

export const JOB_CONTRACT_FIELDS = `query JobContractFields($id: ID!) { job(id: $id) { id dryRun wouldInsert wouldUpdate failedRowsUrl } }`;

export interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

export const JOBS = `query Jobs($first: Int, $after: String, $status: JobStatus, $kind: JobKind) {
  jobs(first: $first, after: $after, status: $status, kind: $kind) { nodes { ${JOB_SUMMARY} } pageInfo { hasNextPage endCursor } } }`;

export interface RowErrorFields {
  row: number;
  column: string | null;
  code: string;
  message: string;
  value: string | null;
}

export const ROW_ERRORS = `query RowErrors($id: ID!, $first: Int, $after: String) { job(id: $id) { id
  errors(first: $first, after: $after) { totalCount nodes { row column code message value } pageInfo { hasNextPage endCursor } } } }`;

export const CANCEL_JOB = `mutation CancelJob($id: ID!) { cancelJob(id: $id) { ${JOB_SUMMARY} } }`;

export const JOB_PROGRESS = `subscription JobProgress($jobId: ID!) { jobProgress(jobId: $jobId) {
  jobId status totalRows processedRows succeededRows failedRows percent rowsPerSecond etaSeconds } }`;

export interface JobProgressFields {
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

// ---- imports ----------------------------------------------------------------------------------

export const START_IMPORT = `mutation StartImport($input: StartImportInput!) { startImport(input: $input) { ${JOB_SUMMARY} } }`;

export interface ColumnMapping {
  column: string;
  /** null: ignore this column */
  field: string | null;
}

export interface StartImportVariables {
  entity: Entity;
  duplicateStrategy: DuplicateStrategy;
  /** Issue 7: sent only when the mapping step ran (the server offered suggestMapping). */
  mapping?: ColumnMapping[];
  /** Issue 7: sent only when true, so the default import works on a server without dry runs. */
  dryRun?: true;
}

export interface EntityField {
  name: string;
  required: boolean;
}

export interface MappingSuggestion {
  entity: Entity;
  fields: EntityField[];
  mapping: ColumnMapping[];
  missingRequired: string[];
}

export const SUGGEST_MAPPING = `query SuggestMapping($entity: Entity!, $headers: [String!]!) {
  suggestMapping(entity: $entity, headers: $headers) { entity fields { name required } mapping { column field } missingRequired } }`;

export interface SavedMapping {
  id: string;
  name: string;
  entity: Entity;
  mapping: ColumnMapping[];
  updatedAt: string;
}

const SAVED_MAPPING = 'id name entity mapping { column field } updatedAt';

export const MAPPINGS = `query Mappings($entity: Entity) { mappings(entity: $entity) { ${SAVED_MAPPING} } }`;

export const SAVE_MAPPING = `mutation SaveMapping($input: SaveMappingInput!) { saveMapping(input: $input) { ${SAVED_MAPPING} } }`;

// ---- exports ----------------------------------------------------------------------------------

export interface ExportFilterInput {
  createdAfter?: string;
  createdBefore?: string;
  updatedAfter?: string;
  tagsAny?: string[];
  statusIn?: string[];
  search?: string;
}

export interface StartExportVariables {
  entity: Entity;
  filter?: ExportFilterInput;
  format: ExportFormat;
  gzip: boolean;
  excelCompatible: boolean;
}

export const START_EXPORT = `mutation StartExport($input: StartExportInput!) { startExport(input: $input) { ${JOB_SUMMARY} } }`;

// ---- who is signed in -------------------------------------------------------------------------

/**
 * A write that touches nothing: cancelling a job id no job can have. The API checks the role
 * before looking the job up, so a member gets NOT_FOUND, support FORBIDDEN (read-only), and a bad
 * token UNAUTHENTICATED. A `viewer { role }` query would say this directly; the schema has none yet.
 */
export const ROLE_PROBE = `mutation RoleProbe { cancelJob(id: "00000000-0000-0000-0000-000000000000") { id } }`;
