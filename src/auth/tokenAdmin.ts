import type { Db } from '../db/prisma.ts';
import { isUuid } from '../jobs/jobAccess.ts';
import type { TokenRole } from './tokens.ts';

/** What an operator may see of a token: never the token, never its hash. */
export interface TokenInfo {
  id: string;
  workspace: string;
  role: TokenRole;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

export type TokenState = 'active' | 'expired' | 'revoked';

export function tokenState(t: Pick<TokenInfo, 'expiresAt' | 'revokedAt'>, now = new Date()): TokenState {
  if (t.revokedAt) return 'revoked';
  if (t.expiresAt && t.expiresAt <= now) return 'expired';
  return 'active';
}

/** The workspace's tokens, oldest first; null when there is no such workspace. */
export async function listTokens(db: Db, workspaceName: string): Promise<TokenInfo[] | null> {
  const workspace = await db.workspace.findUnique({ where: { name: workspaceName } });
  if (!workspace) return null;
  const rows = await db.apiToken.findMany({
    where: { workspaceId: workspace.id },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    // An explicit select: the hash never leaves this function, even by accident.
    select: { id: true, role: true, createdAt: true, lastUsedAt: true, expiresAt: true, revokedAt: true },
  });
  return rows.map((r) => ({ ...r, workspace: workspace.name }));
}

export type RevokeResult = { outcome: 'revoked' | 'already-revoked'; token: TokenInfo } | { outcome: 'unknown' };

/** Revokes a token by id. Revoking twice keeps the first revocation time. */
export async function revokeToken(db: Db, id: string): Promise<RevokeResult> {
  if (!isUuid(id)) return { outcome: 'unknown' };
  const revoked = await db.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
  const row = await db.apiToken.findUnique({
    where: { id },
    select: { id: true, role: true, createdAt: true, lastUsedAt: true, expiresAt: true, revokedAt: true, workspace: { select: { name: true } } },
  });
  if (!row) return { outcome: 'unknown' };
  const { workspace, ...rest } = row;
  return { outcome: revoked.count === 1 ? 'revoked' : 'already-revoked', token: { ...rest, workspace: workspace.name } };
}
