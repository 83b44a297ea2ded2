import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';

/** Where `npm run build:web` (run by npm install) puts the web app and the playground. */
export const WEB_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/dist');

/**
 * Paths the web app never answers, whatever is mounted before or after it: the API's own routes.
 * INVARIANT: the SPA fallback must not shadow them, or a client would get index.html for an API call.
 */
const API_PATHS = ['/graphql', '/files', '/healthz', '/readyz', '/metrics', '/schema.graphql'];

function isApiPath(p: string): boolean {
  return API_PATHS.some((prefix) => p === prefix || p.startsWith(`${prefix}/`));
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Bulkport</title>
<p>The web app is not built. Run <code>npm run build:web</code> (npm install does it) and reload.</p>
<p>The API itself works: POST /graphql.</p>`;

/**
 * Security headers for the pages: everything they load comes from this origin (no CDN), they
 * cannot be framed, and links out carry no referrer (download links hold signatures).
 * Monaco's workers are same-origin files; GraphiQL and React set inline styles.
 */
const PAGE_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; connect-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; " +
    "font-src 'self' data:; worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/**
 * GET /schema.graphql (the SDL, for the playground's docs and autocomplete, since introspection is
 * off in production), the built web app's files (web/dist), and its client routes: /playground[/…]
 * is the playground's page, any other page path the app's index.html.
 */
export function webAppRouter(options: { distDir: string; schemaFile: string }): Router {
  const router = express.Router();
  const sdl = fs.readFileSync(options.schemaFile, 'utf8');

  router.get('/schema.graphql', (_req, res) => {
    res.type('text/plain; charset=utf-8').set('Cache-Control', 'no-cache').set('X-Content-Type-Options', 'nosniff').send(sdl);
  });

  const page = (file: string) => (req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || isApiPath(req.path)) return next();
    const full = path.join(options.distDir, file);
    if (!fs.existsSync(full)) {
      res.status(503).type('html').send(NOT_BUILT);
      return;
    }
    // HTML is never cached: it names the hashed bundles of the current build.
    res.set({ ...PAGE_HEADERS, 'Cache-Control': 'no-cache' }).sendFile(full);
  };

  router.get(['/playground', '/playground/'], page('playground/index.html'));
  router.use(
    '/assets',
    express.static(path.join(options.distDir, 'assets'), {
      index: false,
      immutable: true,
      maxAge: '1y', // file names carry a content hash
    }),
    // An asset of another build: a plain 404, never index.html.
    (_req: Request, res: Response) => void res.status(404).type('text/plain').send('not found'),
  );
  // Client routes of the app (/, /jobs/…): anything a browser asks for as a page.
  router.use((req, res, next) => {
    if (!req.accepts('html') || path.extname(req.path) !== '') return next();
    return page('index.html')(req, res, next);
  });
  return router;
}
