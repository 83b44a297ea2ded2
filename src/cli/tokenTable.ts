import { tokenState, type TokenInfo } from '../auth/tokenAdmin.ts';

/** "2026-11-24 04:17:03Z": sortable, unambiguous, and short enough for a terminal row. */
export function formatTime(d: Date | null, none: string): string {
  return d
    ? d
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d{3}Z$/, 'Z')
    : none;
}

/** `token list` as an aligned plain-text table (no colours, so it pipes into grep and less). */
export function tokenTable(tokens: TokenInfo[], now = new Date()): string {
  const header = ['ID', 'ROLE', 'CREATED', 'LAST USED', 'EXPIRES', 'STATUS'];
  const rows = tokens.map((t) => {
    const state = tokenState(t, now);
    return [
      t.id,
      t.role,
      formatTime(t.createdAt, '-'),
      formatTime(t.lastUsedAt, 'never'),
      formatTime(t.expiresAt, 'never'),
      state === 'revoked' ? `revoked ${formatTime(t.revokedAt, '')}` : state,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n') + '\n';
}

/** `token list --json`: one object per token, times in ISO 8601, state spelled out. */
export function tokenJson(tokens: TokenInfo[], now = new Date()): string {
  const out = tokens.map((t) => ({
    id: t.id,
    workspace: t.workspace,
    role: t.role,
    createdAt: t.createdAt.toISOString(),
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    expiresAt: t.expiresAt?.toISOString() ?? null,
    revokedAt: t.revokedAt?.toISOString() ?? null,
    state: tokenState(t, now),
  }));
  return JSON.stringify(out, null, 2) + '\n';
}
