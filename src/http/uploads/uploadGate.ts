import type { NextFunction, Request, Response } from 'express';
import type { Viewer } from '../../auth/tokens.ts';
import { parseMultipartRequest, type MultipartLimits } from './multipartRequest.ts';
import { UploadRefused } from './uploadRefused.ts';

/** Apollo's own CSRF rule for "simple" requests, applied before the body is read. */
const PREFLIGHT_HEADERS = ['apollo-require-preflight', 'x-apollo-operation-name'];
const CSRF_MESSAGE =
  "This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). Please either specify a 'content-type' header " +
  '(with a type that is not one of application/x-www-form-urlencoded, multipart/form-data, text/plain) or provide a non-empty value ' +
  'for one of the following headers: x-apollo-operation-name, apollo-require-preflight';

export interface UploadGateDeps {
  authenticate(authorization: unknown): Promise<Viewer | null>;
  limits: MultipartLimits;
}

function refuse(res: Response, status: number, code: string, message: string, extra: Record<string, unknown> = {}): void {
  res.status(status).json({ errors: [{ message, extensions: { code, ...extra } }] });
}

/**
 * Express middleware for multipart (upload) requests to /graphql.
 *
 * INVARIANT: nothing from a client without a valid member token and the CSRF preflight header
 * reaches the multipart parser. Both are read from the request headers and refused (400, 401, 403)
 * before a byte of the body is parsed. The viewer found here is kept in res.locals.viewer, so the
 * GraphQL context does not look the token up again.
 */
export function uploadGate(deps: UploadGateDeps) {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (!req.is('multipart/form-data')) return next();
    try {
      if (!PREFLIGHT_HEADERS.some((h) => (req.get(h) ?? '') !== '')) return refuse(res, 400, 'BAD_REQUEST', CSRF_MESSAGE);
      const viewer = await deps.authenticate(req.headers.authorization);
      if (!viewer) return refuse(res, 401, 'UNAUTHENTICATED', 'a valid API token is required: send "Authorization: Bearer <token>"');
      if (viewer.role !== 'member') return refuse(res, 403, 'FORBIDDEN', 'the support role is read-only: it cannot upload files');
      res.locals.viewer = viewer;
      const parsed = await parseMultipartRequest(req, deps.limits);
      req.body = parsed.operation;
      res.on('finish', parsed.release);
      res.on('close', parsed.release);
      next();
    } catch (err) {
      if (err instanceof UploadRefused) return refuse(res, err.status, err.code, err.message, err.details);
      next(err);
    }
  };
}
