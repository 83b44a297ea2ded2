import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type pg from 'pg';

/**
 * Signed download links: /files/<jobId>?expires=<unix seconds>&sig=<HMAC-SHA256> for an export's
 * result, /files/<jobId>/failed-rows?… for an import's failed rows. The signature covers the job,
 * its workspace, the expiry and which file, so a link cannot be stretched in time or pointed at
 * another job or file, and it never opens another workspace's file.
 */
export interface LinkClaims {
  jobId: string;
  workspaceId: string;
  expires: number;
  /** Absent: the job's result (an export). */
  file?: LinkedFile;
}

/** Files of a job other than its result, each served at /files/<jobId>/<file>. */
export type LinkedFile = 'failed-rows';

export function signature(secret: string, c: LinkClaims): string {
  // Without `file` the signed text is what it always was: export links issued earlier stay valid.
  const signed = `${c.jobId}\n${c.workspaceId}\n${c.expires}${c.file ? `\n${c.file}` : ''}`;
  return createHmac('sha256', secret).update(signed).digest('base64url');
}

export function downloadPath(secret: string, c: LinkClaims): string {
  return `/files/${c.jobId}${c.file ? `/${c.file}` : ''}?expires=${c.expires}&sig=${signature(secret, c)}`;
}

export type LinkCheck = 'ok' | 'expired' | 'invalid';

export function checkLink(secret: string, c: LinkClaims, sig: string, now = Date.now()): LinkCheck {
  const expected = Buffer.from(signature(secret, c));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
  return c.expires * 1000 < now ? 'expired' : 'ok';
}

const cache = new WeakMap<pg.Pool, Promise<string>>();

/**
 * The signing key: SIGNING_SECRET if set, else one random key created once in the database, so
 * every API instance signs and checks with the same key without any configuration.
 */
export function signingSecret(pool: pg.Pool, configured: string | undefined): Promise<string> {
  if (configured) return Promise.resolve(configured);
  let secret = cache.get(pool);
  if (secret) return secret;
  secret = (async () => {
    await pool.query(`INSERT INTO app_secrets (name, value) VALUES ('download_links', $1) ON CONFLICT (name) DO NOTHING`, [
      randomBytes(32).toString('base64url'),
    ]);
    const { rows } = await pool.query<{ value: string }>(`SELECT value FROM app_secrets WHERE name = 'download_links'`);
    return rows[0].value;
  })().catch((err) => {
    cache.delete(pool);
    throw err;
  });
  cache.set(pool, secret);
  return secret;
}
