import type pg from 'pg';
import type { Config } from '../config.ts';
import { downloadLinkFor } from '../exports/exportDownload.ts';
import type { JobRecord } from '../jobs/jobRecord.ts';
import type { BlobStore } from '../storage/blobStore.ts';

/** Links a webhook body carries, made fresh at each attempt (signed links expire). */
export interface EventLinks {
  /** Exports that COMPLETED: a signed link to the result (as Job.downloadUrl), valid DOWNLOAD_LINK_TTL_SECONDS. */
  downloadUrl?: string;
  downloadExpiresAt?: string;
  // failedRowsUrl: the failed-rows file of an import (Job.failedRowsUrl) is not in this codebase yet;
  // when it lands, its link belongs here, under that name.
}

/**
 * The links for a job's webhook. A worker has no request to take the API's address from, so links
 * to this API need PUBLIC_URL; without it only a store that signs its own URLs (S3) gives one.
 */
export async function eventLinks(deps: { pool: pg.Pool; store: BlobStore; config: Config }, job: JobRecord): Promise<EventLinks> {
  const { config } = deps;
  if (job.kind !== 'EXPORT' || (!config.publicUrl && !deps.store.signedUrl)) return {};
  const link = await downloadLinkFor(
    { pool: deps.pool, store: deps.store, signingSecret: config.signingSecret, ttlSeconds: config.downloadLinkTtlSeconds },
    job,
    config.publicUrl ?? '',
  );
  return link ? { downloadUrl: link.url, downloadExpiresAt: link.expiresAt.toISOString() } : {};
}
