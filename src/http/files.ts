import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import type { AppServices } from '../appServices.ts';
import { authenticate } from '../auth/tokens.ts';
import { authorizeDownload } from '../exports/exportDownload.ts';

/** GET /files/:jobId?expires&sig — streams a completed export from the local blob store. */
export function filesHandler(services: AppServices) {
  return async (req: Request, res: Response) => {
    const auth = req.headers.authorization;
    const viewer = auth ? ((await authenticate(services.pool, auth)) ?? 'invalid') : null;
    const decision = await authorizeDownload(
      { pool: services.pool, signingSecret: services.config.signingSecret },
      { jobId: String(req.params.jobId), expires: String(req.query.expires ?? ''), sig: String(req.query.sig ?? ''), viewer },
    );
    if (!decision.ok) {
      res.status(decision.status).json({ error: { code: decision.code, message: decision.message } });
      return;
    }
    const size = await services.store.size(decision.key);
    if (size === null) {
      res.status(404).json({ error: { code: 'GONE', message: 'this export file no longer exists' } });
      return;
    }
    res.status(200);
    res.setHeader('Content-Type', decision.contentType);
    res.setHeader('Content-Length', String(size));
    // The name is built by us from safe characters only, so no quoting issues or header injection.
    res.setHeader('Content-Disposition', `attachment; filename="${decision.fileName}"`);
    res.setHeader('Cache-Control', 'private, no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    await pipeline(services.store.read(decision.key), res).catch(() => undefined);
  };
}
