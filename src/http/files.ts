import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import type { AppServices } from '../appServices.ts';
import { authenticate } from '../auth/tokens.ts';
import { authorizeDownload } from '../exports/exportDownload.ts';
import { sendLocalFile } from './sendLocalFile.ts';

/** GET /files/:jobId?expires&sig — a completed export from the blob store (local files: with byte ranges). */
export function filesHandler(services: AppServices) {
  return async (req: Request, res: Response) => {
    const auth = req.headers.authorization;
    const viewer = auth ? ((await authenticate(services.prisma, auth)) ?? 'invalid') : null;
    const decision = await authorizeDownload(
      { pool: services.pool, signingSecret: services.config.signingSecret },
      { jobId: String(req.params.jobId), expires: String(req.query.expires ?? ''), sig: String(req.query.sig ?? ''), viewer },
    );
    if (!decision.ok) {
      res.status(decision.status).json({ error: { code: decision.code, message: decision.message } });
      return;
    }
    const { store } = services;
    const local = store.localFile ? await store.localFile(decision.key) : undefined;
    const size = local === undefined ? await store.size(decision.key) : (local?.size ?? null);
    if (size === null) {
      res.status(404).json({ error: { code: 'GONE', message: 'this export file no longer exists' } });
      return;
    }
    res.status(200);
    res.setHeader('Content-Type', decision.contentType);
    // The name is built by us from safe characters only, so no quoting issues or header injection.
    res.setHeader('Content-Disposition', `attachment; filename="${decision.fileName}"`);
    res.setHeader('Cache-Control', 'private, no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (local) return sendLocalFile(req, res, local);
    res.setHeader('Content-Length', String(size));
    await pipeline(store.read(decision.key), res).catch(() => undefined);
  };
}
