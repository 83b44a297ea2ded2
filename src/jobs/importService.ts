import { randomUUID } from 'node:crypto';
import { pipeline, type Readable } from 'node:stream';
import type pg from 'pg';
import type { Viewer } from '../auth/tokens.ts';
import { EncodingSniffer } from '../csv/encodingDetect.ts';
import { FILE_ENCODINGS, parseFileEncoding, type FileEncoding } from '../csv/fileEncoding.ts';
import { checkMapping, mappingForHeader, type ColumnChoice } from '../entities/columnMapping.ts';
import type { EntityDefinition } from '../entities/entityDefinition.ts';
import { entityByName } from '../entities/registry.ts';
import { readHeaderRow } from '../imports/readHeaderRow.ts';
import { findMappingByName } from '../mappings/savedMappings.ts';
import { AppError, badInput, notFound } from '../errors.ts';
import type { ProgressBus } from './progressBus.ts';
import { BlobTooLargeError, formatBytes, type BlobStore } from '../storage/blobStore.ts';
import { announceJob } from './announceJob.ts';
import { findByIdempotencyKey, idempotencyKeyOf } from './idempotencyKey.ts';
import { createQueuedJob } from './state/createQueuedJob.ts';
import type { JobRecord } from './jobRecord.ts';
import { assertCanWrite, isUuid, readScope } from './jobAccess.ts';
import type { DuplicateStrategy } from './jobStatus.ts';
import { isTerminal } from './jobStatus.ts';
import { loadJob } from './state/loadJob.ts';
import { markCancelled } from './state/markCancelled.ts';
import { log } from '../observability/logger.ts';
import type { MetricsPort } from '../observability/metricsPort.ts';
import { loadLimits, type LimitDefaults } from '../workspaces/workspaceLimits.ts';

export interface JobServiceDeps {
  pool: pg.Pool;
  store: BlobStore;
  bus: ProgressBus;
  metrics?: MetricsPort;
  /** The service's default limits; a workspace may have lower ones of its own. */
  limits: LimitDefaults;
  jobMaxAttempts: number;
}

export interface StartImportRequest {
  entity: string;
  fileName: string;
  file: Readable;
  duplicateStrategy: DuplicateStrategy;
  idempotencyKey?: string | null;
  /** Forces the file's encoding (a FileEncoding name or alias); omitted, it is detected from the bytes. */
  encoding?: string | null;
  /** Validate only: the whole pipeline runs, nothing is written to the entity table. */
  dryRun?: boolean | null;
  /** Column choices that win over automatic header matching (columnMapping.ts). */
  mapping?: ColumnChoice[] | null;
  /** A mapping saved in the workspace for this entity: applied under `mapping`'s choices. */
  mappingName?: string | null;
}

/**
 * Accepts an import: streams the file to storage, then records the job and queues its first task in
 * ONE transaction. Returns as soon as both are durable; no data row is parsed here (with a mapping,
 * the header row is read back to check it, and the upload deleted again if the mapping is refused).
 */
export async function startImport(deps: JobServiceDeps, viewer: Viewer, req: StartImportRequest): Promise<JobRecord> {
  assertCanWrite(viewer);
  const entity = entityByName(req.entity);
  const idempotencyKey = idempotencyKeyOf(req.idempotencyKey);
  const forced = forcedEncoding(req.encoding);
  // Everything about the mapping that needs no file is refused before the file is stored.
  if (req.mapping) checkMapping(entity, req.mapping);
  const saved = req.mappingName != null ? await findMappingByName(deps.pool, viewer.workspaceId, entity.name, req.mappingName) : null;
  if (idempotencyKey) {
    const existing = await findByIdempotencyKey(deps.pool, viewer.workspaceId, idempotencyKey);
    if (existing) {
      req.file.resume(); // drain: the request must still complete
      return existing;
    }
  }

  // The workspace's own limit when it has a lower one than the service's (MAX_UPLOAD_BYTES).
  const { maxUploadBytes } = await loadLimits(deps.pool, deps.limits, viewer.workspaceId);
  const jobId = randomUUID();
  const fileKey = `uploads/${viewer.workspaceId}/${jobId}.csv`;
  let bytes: number;
  // Detected in the same pass that stores the file: no second read (see encodingDetect.ts).
  const sniffer = forced ? null : new EncodingSniffer();
  try {
    const upload = sniffer ? pipeline(req.file, sniffer, () => undefined) : req.file;
    ({ bytes } = await deps.store.put(fileKey, upload, { maxBytes: maxUploadBytes }));
  } catch (err) {
    if (err instanceof BlobTooLargeError || (err instanceof AppError && err.details.reason === 'FILE_TOO_LARGE'))
      throw fileTooLarge(maxUploadBytes, maxUploadBytes < deps.limits.maxUploadBytes);
    // The transport refused the rest of the request (a second file, a broken part): it says why.
    if (err instanceof AppError) throw err;
    log('api').warn({ workspace: viewer.workspaceId, fileName: req.fileName }, `upload failed: ${(err as Error).message}`);
    throw new AppError('BAD_USER_INPUT', 'the upload did not complete; send the file again', { reason: 'UPLOAD_FAILED' }, { cause: err });
  }

  const encoding = forced ?? sniffer!.encoding;
  let mapping: ColumnChoice[] | undefined;
  if (req.mapping || saved) {
    try {
      mapping = await resolveMapping(deps.store, fileKey, encoding, entity, req.mapping ?? [], saved?.mapping ?? []);
    } catch (err) {
      await deps.store.delete(fileKey); // refused: nothing of this request stays
      throw err;
    }
  }

  const created = await createQueuedJob(deps.pool, {
    id: jobId,
    workspaceId: viewer.workspaceId,
    kind: 'IMPORT',
    entity: req.entity,
    idempotencyKey,
    fileName: req.fileName,
    fileKey,
    fileBytes: bytes,
    duplicateStrategy: req.duplicateStrategy,
    encoding,
    dryRun: req.dryRun ?? false,
    options: mapping ? { mapping } : {},
  });
  if (created) return created;
  // Lost a race with a concurrent request carrying the same key: theirs is the job.
  await deps.store.delete(fileKey);
  return (await findByIdempotencyKey(deps.pool, viewer.workspaceId, idempotencyKey!))!;
}

/**
 * The mapping the import will use, resolved against the stored file's header (mappingForHeader):
 * BAD_USER_INPUT for a column the header lacks, checked here so that no job starts on a mapping
 * that cannot apply. A file without a usable header keeps the choices as given: its stage task
 * fails the job with the reason (not CSV, empty, malformed header).
 */
async function resolveMapping(
  store: BlobStore,
  fileKey: string,
  encoding: FileEncoding,
  entity: EntityDefinition,
  explicit: ColumnChoice[],
  saved: ColumnChoice[],
): Promise<ColumnChoice[]> {
  const header = await readHeaderRow(store, fileKey, encoding);
  if (!header) return explicit;
  const mapping = mappingForHeader(header, explicit, saved);
  checkMapping(entity, mapping); // a saved mapping saved before a field was renamed
  return mapping;
}

/** The encoding the caller forced, null when none was given; BAD_USER_INPUT when it is not one we read. */
function forcedEncoding(name: string | null | undefined): FileEncoding | null {
  if (name == null) return null;
  const encoding = parseFileEncoding(name);
  if (!encoding) {
    throw badInput(`encoding '${name}' is not supported: use one of ${FILE_ENCODINGS.join(', ')}, or omit it to detect the file's encoding`, {
      reason: 'UNSUPPORTED_ENCODING',
      supported: [...FILE_ENCODINGS],
    });
  }
  return encoding;
}

export function fileTooLarge(maxBytes: number, workspaceLimit = false): AppError {
  const limit = workspaceLimit ? "your workspace's" : 'the';
  const source = workspaceLimit ? 'set per workspace' : 'MAX_UPLOAD_BYTES';
  return badInput(`the file is larger than ${limit} ${formatBytes(maxBytes)} upload limit (${source}); split it into smaller files`, {
    reason: 'FILE_TOO_LARGE',
    maxBytes,
  });
}

/** A job the viewer may read, or null (unknown and foreign ids look the same). */
export async function findJob(pool: pg.Pool, viewer: Viewer, id: string): Promise<JobRecord | null> {
  if (!isUuid(id)) return null;
  const job = await loadJob(pool, id);
  if (!job) return null;
  const scope = readScope(viewer);
  return scope.workspaceId && scope.workspaceId !== job.workspaceId ? null : job;
}

/**
 * Cancels a QUEUED or RUNNING job; rows already committed stay and the counters say how many.
 * Cancelling a job that has already ended returns it unchanged (safe to retry).
 */
export async function cancelJob(deps: JobServiceDeps, viewer: Viewer, id: string): Promise<JobRecord> {
  assertCanWrite(viewer);
  const job = await findJob(deps.pool, viewer, id);
  if (!job) throw notFound(`no job with id '${id}'`);
  if (isTerminal(job.status)) return job;
  const cancelled = await markCancelled(deps.pool, id);
  if (!cancelled) return (await loadJob(deps.pool, id))!; // it ended on its own meanwhile
  await announceJob(deps, cancelled);
  return cancelled;
}
