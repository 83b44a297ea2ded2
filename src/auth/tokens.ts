import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/prisma.ts';

export type TokenRole = 'member' | 'support';

/** Who is calling: resolved from a bearer token once per request or WebSocket connection. */
export interface Viewer {
  workspaceId: string;
  workspaceName: string;
  role: TokenRole;
}

const TOKEN_PREFIX = 'bp_';

/** Tokens are 256 random bits; only their SHA-256 is stored, so a database leak reveals no token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Creates the workspace if needed and a new token for it; returns the token (shown once, never stored). */
export async function createToken(db: Db, workspaceName: string, role: TokenRole = 'member'): Promise<string> {
  const workspace = await db.workspace.upsert({ where: { name: workspaceName }, create: { name: workspaceName }, update: {} });
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  await db.apiToken.create({ data: { workspaceId: workspace.id, tokenHash: hashToken(token), role } });
  return token;
}

/** The Viewer for an `Authorization: Bearer <token>` value (or a bare token), or null. */
export async function authenticate(db: Db, authorization: unknown): Promise<Viewer | null> {
  if (typeof authorization !== 'string') return null;
  const token = authorization.replace(/^Bearer\s+/i, '').trim();
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  const found = await db.apiToken.findUnique({ where: { tokenHash: hashToken(token) }, include: { workspace: true } });
  if (!found) return null;
  return { workspaceId: found.workspaceId, workspaceName: found.workspace.name, role: found.role };
}
