import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Db } from '../db/prisma.ts';
import { log } from '../observability/logger.ts';

export type TokenRole = 'member' | 'support';

/** Who is calling: resolved from a bearer token once per request or WebSocket connection. */
export interface Viewer {
  workspaceId: string;
  workspaceName: string;
  role: TokenRole;
}

const TOKEN_PREFIX = 'bp_';

/**
 * `last_used_at` is a coarse "last seen", not an audit log: it is written at most once per this
 * interval per token (whichever request first finds it stale), so authentication stays a read.
 */
export const LAST_USED_RESOLUTION_MS = 60_000;

/** Tokens are 256 random bits; only their SHA-256 is stored, so a database leak reveals no token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Creates the workspace if needed and a new token for it (expiring `expiresInMs` after its creation, or never); returns the token (shown once, never stored). */
export async function createToken(db: Db, workspaceName: string, role: TokenRole = 'member', options: { expiresInMs?: number } = {}): Promise<string> {
  const workspace = await db.workspace.upsert({ where: { name: workspaceName }, create: { name: workspaceName }, update: {} });
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  // One clock for both: the lifetime counts from the creation time that `token list` shows.
  const createdAt = new Date();
  const expiresAt = options.expiresInMs === undefined ? null : new Date(createdAt.getTime() + options.expiresInMs);
  await db.apiToken.create({ data: { workspaceId: workspace.id, tokenHash: hashToken(token), role, createdAt, expiresAt } });
  return token;
}

/**
 * The Viewer for an `Authorization: Bearer <token>` value (or a bare token), or null for a missing,
 * unknown, revoked or expired token. Every transport (HTTP, WebSocket, /files) goes through here.
 *
 * Raw SQL on the pool, not Prisma: it runs on every request, and it keeps an API process that only
 * authenticates and streams uploads from ever loading Prisma's query compiler (measured: the first
 * Prisma query costs an API process 75-95 MB of RSS; bench:upload).
 */
export async function authenticate(db: pg.Pool, authorization: unknown): Promise<Viewer | null> {
  if (typeof authorization !== 'string') return null;
  const token = authorization.replace(/^Bearer\s+/i, '').trim();
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  const { rows } = await db.query<{
    id: string;
    workspaceId: string;
    workspaceName: string;
    role: TokenRole;
    expiresAt: Date | null;
    revokedAt: Date | null;
    lastUsedAt: Date | null;
  }>(
    `SELECT t.id, t.workspace_id AS "workspaceId", w.name AS "workspaceName", t.role::text AS role,
            t.expires_at AS "expiresAt", t.revoked_at AS "revokedAt", t.last_used_at AS "lastUsedAt"
     FROM api_tokens t JOIN workspaces w ON w.id = t.workspace_id WHERE t.token_hash = $1`,
    [hashToken(token)],
  );
  const found = rows[0];
  const now = new Date();
  if (!found || found.revokedAt || (found.expiresAt && found.expiresAt <= now)) return null;
  if (!found.lastUsedAt || now.getTime() - found.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    await touchLastUsed(db, found.id, now);
  }
  return { workspaceId: found.workspaceId, workspaceName: found.workspaceName, role: found.role };
}

/**
 * Conditional, so that concurrent requests (in any number of API processes) that all found the
 * stamp stale write it once. A failure only loses a "last used" time: it must never refuse a caller.
 */
async function touchLastUsed(db: pg.Pool, id: string, now: Date): Promise<void> {
  const staleBefore = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
  await db
    .query(`UPDATE api_tokens SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $3)`, [id, now, staleBefore])
    .catch((err: unknown) => log('auth').error(`could not record a token use: ${(err as Error).message}`));
}
