import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeToken } from '../../src/auth/tokenAdmin.ts';
import { createToken } from '../../src/auth/tokens.ts';
import { validContactsCsv } from '../helpers/buildCsv.ts';
import { gql, importAndWait, LIST_JOBS } from '../helpers/graphqlClient.ts';
import { runCli } from '../helpers/runCli.ts';
import { withDatabase } from '../helpers/testDatabase.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';
import { wsRefusal } from '../helpers/wsRefusal.ts';

let t: TestApp;
let jobId: string; // a job of workspace 'ops', to subscribe to
const cli = (...args: string[]) => runCli(['token', ...args], { env: { DATABASE_URL: t.databaseUrl } });
const codeOf = (r: { errors?: Array<{ extensions?: { code?: string } }> }) => r.errors?.[0]?.extensions?.code;
const tokenRow = (id: string) => withDatabase(t.databaseUrl, async (c) => (await c.query('SELECT * FROM api_tokens WHERE id = $1', [id])).rows[0]);
const idOf = (token: string) =>
  withDatabase(t.databaseUrl, async (c) => {
    const hash = createHash('sha256').update(token).digest('hex');
    return (await c.query<{ id: string }>('SELECT id FROM api_tokens WHERE token_hash = $1', [hash])).rows[0].id;
  });

/** As if its lifetime had passed: the expiry a minute ago. */
const expireNow = async (token: string) => {
  const id = await idOf(token);
  await withDatabase(t.databaseUrl, (c) => c.query(`UPDATE api_tokens SET expires_at = now() - interval '1 minute' WHERE id = $1`, [id]));
};

beforeAll(async () => {
  t = await startTestApp();
  jobId = (await importAndWait(t.url, await t.token('ops'), validContactsCsv(2, 'ops'))).id;
});
afterAll(() => t?.stop());

/** Refused over both transports: UNAUTHENTICATED over HTTP, the WebSocket closed with 4403 Forbidden at connection_init. */
async function expectRefused(token: string): Promise<void> {
  expect(codeOf(await gql(t.url, token, LIST_JOBS, { first: 1 }))).toBe('UNAUTHENTICATED');
  expect(await wsRefusal(t.wsUrl, token, jobId)).toBe(4403);
}

async function expectAccepted(token: string): Promise<void> {
  expect(await gql(t.url, token, LIST_JOBS, { first: 1 })).toEqual({ data: { jobs: expect.any(Object) } });
  expect(await wsRefusal(t.wsUrl, token, jobId)).toBe('ACCEPTED');
}

describe('token create', () => {
  it('should print only a working token, and with --expires-in 30d record an expiry 30 days after its creation', async () => {
    const before = Date.now();
    const r = await cli('create', '--workspace', 'ops', '--expires-in', '30d');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^bp_[A-Za-z0-9_-]{43}\n$/);
    const token = r.stdout.trim();
    await expectAccepted(token);
    const row = await tokenRow(await idOf(token));
    const thirtyDays = 30 * 86_400_000;
    expect(row.expires_at.getTime() - row.created_at.getTime()).toBe(thirtyDays);
    expect(row.created_at.getTime()).toBeGreaterThanOrEqual(before);
    expect(row.created_at.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('should refuse a duration without a unit, with a clear message and a non-zero exit, creating nothing', async () => {
    const count = () => withDatabase(t.databaseUrl, async (c) => (await c.query('SELECT count(*)::int AS n FROM api_tokens')).rows[0].n);
    const before = await count();
    const r = await cli('create', '--workspace', 'ops', '--expires-in', '30');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/'30' is not a duration: use a whole number and a unit s, m, h, d or w/);
    expect(await count()).toBe(before);
  });
});

describe('an expired token', () => {
  it('should work until it expires, then be refused over HTTP and WebSocket', async () => {
    const token = await createToken(t.app.services.prisma!, 'ops', 'member', { expiresInMs: 1500 });
    await expectAccepted(token);
    const { expires_at: expiresAt } = await tokenRow(await idOf(token));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt.getTime() - Date.now()) + 50));
    await expectRefused(token);
  });

  it('should be refused even for the support role', async () => {
    const token = await createToken(t.app.services.prisma!, 'staff', 'support', { expiresInMs: 60_000 });
    await expireNow(token);
    await expectRefused(token);
  });
});

describe('token revoke', () => {
  it('should refuse the token at once over HTTP and WebSocket', async () => {
    const token = await t.token('ops');
    await expectAccepted(token);
    const id = await idOf(token);
    const r = await cli('revoke', '--id', id);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(`revoked token ${id} (workspace ops, member)\n`);
    await expectRefused(token);
  });

  it('should say so when the token was already revoked, and keep the first revocation time', async () => {
    const id = await idOf(await t.token('ops'));
    expect((await cli('revoke', '--id', id)).code).toBe(0);
    const first = (await tokenRow(id)).revoked_at;
    const again = await cli('revoke', '--id', id);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`^token ${id} \\(workspace ops, member\\) was already revoked at \\d{4}-\\d{2}-\\d{2} `));
    expect((await tokenRow(id)).revoked_at).toEqual(first);
  });

  it.each([
    ['an unknown id', '00000000-0000-4000-8000-000000000000'],
    ['an id that is not a UUID', 'abc'],
  ])('should answer %s with a clear error and exit 1', async (_, id) => {
    const r = await cli('revoke', '--id', id);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`error: no token with id '${id}' (see: cli token list --workspace NAME)\n`);
  });
});

describe('token list', () => {
  let ws: { active: string; used: string; revoked: string; expired: string };
  beforeAll(async () => {
    const prisma = t.app.services.prisma!;
    ws = {
      active: await createToken(prisma, 'listed'),
      used: await createToken(prisma, 'listed', 'support'),
      revoked: await createToken(prisma, 'listed'),
      expired: await createToken(prisma, 'listed', 'member', { expiresInMs: 60_000 }),
    };
    await expireNow(ws.expired);
    await expectAccepted(ws.used);
    expect(await revokeToken(prisma, await idOf(ws.revoked))).toMatchObject({ outcome: 'revoked' });
  });

  it('should show id, role, created, last used, expiry and status for each token, and never a secret or hash', async () => {
    const r = await cli('list', '--workspace', 'listed');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0].split(/\s{2,}/)).toEqual(['ID', 'ROLE', 'CREATED', 'LAST USED', 'EXPIRES', 'STATUS']);
    const row = async (token: string) => {
      const id = await idOf(token);
      const line = lines.find((l) => l.startsWith(id));
      expect(line, `a line for ${id}`).toBeDefined();
      return line!.split(/\s{2,}/);
    };
    const time = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$/;
    const active = await row(ws.active);
    expect(active).toEqual([expect.any(String), 'member', expect.stringMatching(time), 'never', 'never', 'active']);
    const used = await row(ws.used);
    expect(used).toEqual([expect.any(String), 'support', expect.stringMatching(time), expect.stringMatching(time), 'never', 'active']);
    expect((await row(ws.revoked))[5]).toMatch(/^revoked \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$/);
    const expired = await row(ws.expired);
    expect(expired[4]).toMatch(time);
    expect(expired[5]).toBe('expired');
    expect(lines).toHaveLength(5);

    for (const token of Object.values(ws)) {
      expect(r.stdout).not.toContain(token);
      expect(r.stdout).not.toContain(createHash('sha256').update(token).digest('hex'));
    }
  });

  it('should print the same as JSON with --json, without secrets', async () => {
    const r = await cli('list', '--workspace', 'listed', '--json');
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout);
    expect(list).toHaveLength(4);
    expect(Object.keys(list[0]).sort()).toEqual(['createdAt', 'expiresAt', 'id', 'lastUsedAt', 'revokedAt', 'role', 'state', 'workspace']);
    const byId = new Map(list.map((x: { id: string }) => [x.id, x]));
    expect(byId.get(await idOf(ws.used))).toMatchObject({ role: 'support', state: 'active', lastUsedAt: expect.any(String), expiresAt: null });
    expect(byId.get(await idOf(ws.revoked))).toMatchObject({ state: 'revoked', revokedAt: expect.any(String) });
    expect(byId.get(await idOf(ws.expired))).toMatchObject({ state: 'expired' });
    for (const token of Object.values(ws)) {
      expect(r.stdout).not.toContain(token.slice(3));
      expect(r.stdout).not.toContain(createHash('sha256').update(token).digest('hex'));
    }
  });

  it('should answer an unknown workspace with a clear error and exit 1', async () => {
    const r = await cli('list', '--workspace', 'no-such-workspace');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("error: no workspace named 'no-such-workspace'\n");
  });
});

describe('last use', () => {
  it('should be recorded on first use and not rewritten by requests within the same minute', async () => {
    const token = await t.token('ops');
    const id = await idOf(token);
    expect((await tokenRow(id)).last_used_at).toBeNull();
    await expectAccepted(token);
    const first = (await tokenRow(id)).last_used_at;
    expect(first).toBeInstanceOf(Date);
    await expectAccepted(token);
    expect((await tokenRow(id)).last_used_at).toEqual(first);
  });

  it('should be recorded again once the previous stamp is a minute old', async () => {
    const token = await t.token('ops');
    const id = await idOf(token);
    const old = new Date(Date.now() - 61_000);
    await withDatabase(t.databaseUrl, (c) => c.query('UPDATE api_tokens SET last_used_at = $2 WHERE id = $1', [id, old]));
    await expectAccepted(token);
    expect((await tokenRow(id)).last_used_at.getTime()).toBeGreaterThan(old.getTime() + 60_000);
  });
});
