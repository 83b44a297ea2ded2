import type pg from 'pg';
import type { Config } from '../config.ts';
import { downloadLinkFor } from '../exports/exportDownload.ts';
import { failedRowsLinkFor } from '../imports/failedRowsLink.ts';
import type { JobRecord } from '../jobs/jobRecord.ts';
import type { BlobStore } from '../storage/blobStore.ts';

/** Links a webhook body carries, made fresh at each attempt (signed links expire). */
export interface EventLinks {
  /** Exports that COMPLETED: a signed link to the result (as Job.downloadUrl), valid DOWNLOAD_LINK_TTL_SECONDS. */
  downloadUrl?: string;
  downloadExpiresAt?: string;
  /** Imports that ended with failed rows: the failed-rows file (as Job.failedRowsUrl); needs PUBLIC_URL. */
  failedRowsUrl?: string;
}

/**
 * The links for a job's webhook. A worker has no request to take the API's address from, so links
 * to this API need PUBLIC_URL; without it only a store that signs its own URLs (S3) gives one.
 */
export async function eventLinks(deps: { pool: pg.Pool; store: BlobStore; config: Config }, job: JobRecord): Promise<EventLinks> {
  const { config } = deps;
  if (job.kind === 'IMPORT') {
    // Served by the API whatever the store, so only with PUBLIC_URL.
    if (!config.publicUrl) return {};
    const link = await failedRowsLinkFor(
      { pool: deps.pool, signingSecret: config.signingSecret, ttlSeconds: config.downloadLinkTtlSeconds },
      job,
      config.publicUrl,
    );
    return link ? { failedRowsUrl: link.url } : {};
  }
  if (job.kind !== 'EXPORT' || (!config.publicUrl && !deps.store.signedUrl)) return {};
  const link = await downloadLinkFor(
    { pool: deps.pool, store: deps.store, signingSecret: config.signingSecret, ttlSeconds: config.downloadLinkTtlSeconds },
    job,
    config.publicUrl ?? '',
  );
  return link ? { downloadUrl: link.url, downloadExpiresAt: link.expiresAt.toISOString() } : {};
}
