import type pg from 'pg';
import { downloadPath, signingSecret } from '../exports/downloadLinks.ts';
import type { DownloadLink } from '../exports/exportDownload.ts';
import type { ImportJob, JobRecord } from '../jobs/jobRecord.ts';
import { isTerminal } from '../jobs/jobStatus.ts';

/**
 * Whether an import has a failed-rows file to offer: it ended, some of its rows failed with a stored
 * error, and its upload is still kept (FILE_RETENTION_DAYS), as the file is built from it.
 */
export function hasFailedRowsFile(job: JobRecord): job is ImportJob {
  return job.kind === 'IMPORT' && isTerminal(job.status) && job.failedRows > 0 && job.storedErrors > 0 && job.fileKey !== null;
}

/**
 * A fresh signed link to an import's failed-rows file (src/imports/failedRowsCsv.ts), or null when
 * it has none. Always served by the API (/files/<jobId>/failed-rows), whatever the blob store, as the
 * file is built on request.
 */
export async function failedRowsLinkFor(
  deps: { pool: pg.Pool; signingSecret?: string; ttlSeconds: number },
  job: JobRecord,
  origin: string,
): Promise<DownloadLink | null> {
  if (!hasFailedRowsFile(job)) return null;
  const secret = await signingSecret(deps.pool, deps.signingSecret);
  const expires = Math.floor(Date.now() / 1000) + deps.ttlSeconds;
  const path = downloadPath(secret, { jobId: job.id, workspaceId: job.workspaceId, expires, file: 'failed-rows' });
  return { url: origin + path, expiresAt: new Date(expires * 1000) };
}

/** The download's file name: the upload's, safe characters only, with -failed-rows before .csv. */
export function failedRowsFileName(job: ImportJob): string {
  const base = (job.fileName ?? '')
    .replace(/\.csv$/i, '')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+/, '')
    .slice(0, 100);
  return `${base || `${job.entity.toLowerCase()}-import-${job.id.slice(0, 8)}`}-failed-rows.csv`;
}
