import type pg from 'pg';
import type { Viewer } from '../auth/tokens.ts';
import type { JobRecord } from '../jobs/jobRecord.ts';
import type { BlobStore } from '../storage/blobStore.ts';
import { isUuid } from '../jobs/jobAccess.ts';
import { loadJob } from '../jobs/state/loadJob.ts';
import type { ExportOptions } from './exportRequest.ts';
import { checkLink, downloadPath, signingSecret, type LinkedFile } from './downloadLinks.ts';

export interface DownloadLink {
  url: string;
  expiresAt: Date;
}

/** A fresh signed link to a completed export's file (each call issues a new expiry), or null. */
export async function downloadLinkFor(
  deps: { pool: pg.Pool; store: BlobStore; signingSecret?: string; ttlSeconds: number },
  job: JobRecord,
  origin: string,
): Promise<DownloadLink | null> {
  if (job.kind !== 'EXPORT' || job.status !== 'COMPLETED' || !job.resultKey) return null;
  if (deps.store.signedUrl) {
    const { fileName, contentType } = describeExportFile(job);
    const url = await deps.store.signedUrl(job.resultKey, { expiresInSeconds: deps.ttlSeconds, fileName, contentType });
    return { url, expiresAt: new Date(Date.now() + deps.ttlSeconds * 1000) };
  }
  const secret = await signingSecret(deps.pool, deps.signingSecret);
  const expires = Math.floor(Date.now() / 1000) + deps.ttlSeconds;
  return { url: origin + downloadPath(secret, { jobId: job.id, workspaceId: job.workspaceId, expires }), expiresAt: new Date(expires * 1000) };
}

export type DownloadDecision =
  { ok: true; job: JobRecord; key: string; fileName: string; contentType: string } | { ok: false; status: 403 | 404; code: string; message: string };

export type LinkDecision = { ok: true; job: JobRecord } | { ok: false; status: 403 | 404; code: string; message: string };

/**
 * Decides whether a request for /files/<jobId>[/<file>] may read the file. The signature alone is
 * enough (links work in a browser); a request that also carries a token of another workspace is refused.
 */
export async function authorizeLink(
  deps: { pool: pg.Pool; signingSecret?: string },
  q: { jobId: string; expires: string; sig: string; viewer: Viewer | null | 'invalid'; file?: LinkedFile },
): Promise<LinkDecision> {
  const forbidden = (code: string, message: string) => ({ ok: false as const, status: 403 as const, code, message });
  const expires = Number(q.expires);
  if (!isUuid(q.jobId) || !Number.isInteger(expires) || !q.sig) return forbidden('INVALID_LINK', 'this download link is not valid');
  const job = await loadJob(deps.pool, q.jobId);
  if (!job) return forbidden('INVALID_LINK', 'this download link is not valid');
  const secret = await signingSecret(deps.pool, deps.signingSecret);
  const check = checkLink(secret, { jobId: job.id, workspaceId: job.workspaceId, expires, file: q.file }, q.sig);
  if (check === 'invalid') return forbidden('INVALID_LINK', 'this download link is not valid');
  const field = q.file === 'failed-rows' ? 'failedRowsUrl' : 'downloadUrl';
  if (check === 'expired') return forbidden('LINK_EXPIRED', `this download link has expired: query the job again for a fresh ${field}`);
  if (q.viewer === 'invalid' || (q.viewer && q.viewer.role !== 'support' && q.viewer.workspaceId !== job.workspaceId)) {
    return forbidden('FORBIDDEN', 'this file belongs to another workspace');
  }
  return { ok: true, job };
}

/** authorizeLink for an export's result file. */
export async function authorizeDownload(
  deps: { pool: pg.Pool; signingSecret?: string },
  q: { jobId: string; expires: string; sig: string; viewer: Viewer | null | 'invalid' },
): Promise<DownloadDecision> {
  const decision = await authorizeLink(deps, q);
  if (!decision.ok) return decision;
  const { job } = decision;
  if (!job.resultKey) return { ok: false, status: 404, code: 'GONE', message: 'this export file has been deleted (retention period passed)' };
  return { ok: true, job, key: job.resultKey, ...describeExportFile(job) };
}

/** The download's file name (safe characters only) and Content-Type. */
function describeExportFile(job: JobRecord): { fileName: string; contentType: string } {
  const o = job.options as ExportOptions;
  const ext = `${o.format === 'JSONL' ? 'jsonl' : 'csv'}${o.gzip ? '.gz' : ''}`;
  const day = (job.completedAt ?? job.createdAt).toISOString().slice(0, 10);
  return {
    fileName: `${job.entity.toLowerCase()}-export-${day}-${job.id.slice(0, 8)}.${ext}`,
    contentType: o.gzip ? 'application/gzip' : o.format === 'JSONL' ? 'application/x-ndjson; charset=utf-8' : 'text/csv; charset=utf-8',
  };
}
