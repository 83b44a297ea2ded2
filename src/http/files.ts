import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import type { AppServices } from '../appServices.ts';
import { authenticate } from '../auth/tokens.ts';
import { log } from '../observability/logger.ts';
import { sendLocalFile } from './sendLocalFile.ts';
import { authorizeDownload, authorizeLink } from '../exports/exportDownload.ts';
import { failedRowsCsv } from '../imports/failedRowsCsv.ts';
import { failedRowsFileName, hasFailedRowsFile } from '../imports/failedRowsLink.ts';

async function viewerOf(services: AppServices, req: Request) {
  const auth = req.headers.authorization;
  return auth ? ((await authenticate(services.pool, auth)) ?? 'invalid') : null;
}

function linkQuery(req: Request) {
  return { jobId: String(req.params.jobId), expires: String(req.query.expires ?? ''), sig: String(req.query.sig ?? '') };
}

function refuse(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

/** Headers every download shares; the name is built by us from safe characters only (no header injection). */
function downloadHeaders(res: Response, contentType: string, fileName: string): void {
  res.status(200);
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Disposition', `attachment; filename="${fileName}"`);
  res.setHeader('Cache-Control', 'private, no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
}

/** GET /files/:jobId?expires&sig — a completed export from the blob store (local files: with byte ranges). */
export function filesHandler(services: AppServices) {
  return async (req: Request, res: Response) => {
    const decision = await authorizeDownload(
      { pool: services.pool, signingSecret: services.config.signingSecret },
      { ...linkQuery(req), viewer: await viewerOf(services, req) },
    );
    if (!decision.ok) return refuse(res, decision.status, decision.code, decision.message);
    const { store } = services;
    const local = store.localFile ? await store.localFile(decision.key) : undefined;
    const size = local === undefined ? await store.size(decision.key) : (local?.size ?? null);
    if (size === null) return refuse(res, 404, 'GONE', 'this export file no longer exists');
    downloadHeaders(res, decision.contentType, decision.fileName);
    if (local) return sendLocalFile(req, res, local);
    res.setHeader('Content-Length', String(size));
    await pipeline(store.read(decision.key), res).catch(() => undefined);
  };
}

/** GET /files/:jobId/failed-rows?expires&sig — an import's failed rows, built from its upload as it streams. */
export function failedRowsHandler(services: AppServices) {
  return async (req: Request, res: Response) => {
    const decision = await authorizeLink(
      { pool: services.pool, signingSecret: services.config.signingSecret },
      { ...linkQuery(req), viewer: await viewerOf(services, req), file: 'failed-rows' },
    );
    if (!decision.ok) return refuse(res, decision.status, decision.code, decision.message);
    const { job } = decision;
    if (!hasFailedRowsFile(job)) return refuse(res, 404, 'GONE', 'this import has no failed-rows file (its upload was deleted after the retention period)');
    if ((await services.store.size(job.fileKey!)) === null) return refuse(res, 404, 'GONE', 'the uploaded file behind the failed rows no longer exists');
    downloadHeaders(res, 'text/csv; charset=utf-8', failedRowsFileName(job));
    // Built while it streams, so its length is not known: chunked. A failure half way cuts the
    // response short (no final chunk), which clients report as an incomplete download.
    await pipeline(failedRowsCsv(services, job), res).catch((err: Error) => {
      if (!res.writableEnded) log('api').warn({ jobId: job.id }, `failed-rows file cut short: ${err.message}`);
    });
  };
}
