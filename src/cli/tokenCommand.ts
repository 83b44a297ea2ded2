import { parseArgs } from 'node:util';
import { listTokens, revokeToken } from '../auth/tokenAdmin.ts';
import { createToken, type TokenRole } from '../auth/tokens.ts';
import { withAdminDatabase } from './adminDatabase.ts';
import { parseDuration } from './duration.ts';
import { formatTime, tokenJson, tokenTable } from './tokenTable.ts';

export const TOKEN_USAGE = `usage:
  cli token create --workspace NAME [--role member|support] [--expires-in 30d]
      Creates the workspace if needed and prints only the new token (shown once, never stored).
      --expires-in: a whole number and a unit s, m, h, d or w; default: never expires.
  cli token list --workspace NAME [--json]
      The workspace's tokens: id, role, created, last used, expires, status. Never the secret.
      "last used" is recorded at most once a minute per token.
  cli token revoke --id ID
      Revokes a token at once, on every API process (HTTP and WebSocket). The row is kept for list.

Operator commands: they open the service's database (DATABASE_URL, or the embedded PostgreSQL
that npm start runs), not the API.`;

const usage = (problem: string) => new Error(`${problem}\n${TOKEN_USAGE}`);

/** `cli token …`: create, list and revoke API tokens. Returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      workspace: { type: 'string' },
      role: { type: 'string' },
      'expires-in': { type: 'string' },
      id: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${TOKEN_USAGE}\n`);
    return 0;
  }
  const [action, ...extra] = positionals;
  if (extra.length > 0) throw usage(`unexpected argument '${extra[0]}'`);
  switch (action) {
    case 'create': {
      if (!values.workspace) throw usage('token create needs --workspace NAME');
      const role = values.role ?? 'member';
      if (role !== 'member' && role !== 'support') throw usage(`--role must be member or support, got '${role}'`);
      const lifetimeMs = values['expires-in'] === undefined ? undefined : parseDuration(values['expires-in']);
      const token = await withAdminDatabase((db) => createToken(db, values.workspace!, role as TokenRole, { expiresInMs: lifetimeMs }));
      process.stdout.write(`${token}\n`);
      return 0;
    }
    case 'list': {
      if (!values.workspace) throw usage('token list needs --workspace NAME');
      const tokens = await withAdminDatabase((db) => listTokens(db, values.workspace!));
      if (!tokens) throw new Error(`no workspace named '${values.workspace}'`);
      process.stdout.write(values.json ? tokenJson(tokens) : tokenTable(tokens));
      return 0;
    }
    case 'revoke': {
      if (!values.id) throw usage('token revoke needs --id ID (see: cli token list --workspace NAME)');
      const result = await withAdminDatabase((db) => revokeToken(db, values.id!));
      if (result.outcome === 'unknown') throw new Error(`no token with id '${values.id}' (see: cli token list --workspace NAME)`);
      const { token } = result;
      const when = formatTime(token.revokedAt, '');
      process.stdout.write(
        result.outcome === 'revoked'
          ? `revoked token ${token.id} (workspace ${token.workspace}, ${token.role})\n`
          : `token ${token.id} (workspace ${token.workspace}, ${token.role}) was already revoked at ${when}\n`,
      );
      return 0;
    }
    default:
      throw usage(action ? `unknown token command '${action}'` : 'token needs a command: create, list or revoke');
  }
}
