/**
 * Runs Bulkport's own entry points as child processes, as the README does (`npm run api`,
 * `npm run worker`, `npm run cli`), but through `node --import tsx` instead of the tsx CLI: the
 * tsx CLI runs the program in a second node process, and the benchmark must measure the memory of
 * the process that does the work, so the child's pid has to be that process itself.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The code being measured: "4f8cd60" or "4f8cd60 + uncommitted changes in src/", for the record. */
export function sourceRevision(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', ['-C', REPO_ROOT, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = git('status', '--porcelain', '--', 'src').split('\n').filter(Boolean).length;
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ` + uncommitted changes in ${dirty} file(s) under src/` : ''}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

export interface AppProcess {
  name: string;
  pid: number;
  logPath: string;
  /** Rejects as soon as the process exits, whatever the code: during a benchmark that is a failure. */
  exited: Promise<never>;
  /** SIGTERM (a graceful shutdown), then SIGKILL after graceMs. Resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
  /** The last lines it printed (stdout and stderr), for error reports. */
  tail(lines?: number): string;
  /** False once the process has exited, for whatever reason. */
  isRunning(): boolean;
  /** Sends a signal (SIGKILL to simulate a crash, SIGTERM as a deploy does) without waiting. */
  kill(signal: NodeJS.Signals): void;
  /** Resolves with how the process ended ('exit code 0', 'killed by SIGKILL'). */
  ended: Promise<string>;
}

export function startAppProcess(name: string, args: string[], env: NodeJS.ProcessEnv, logPath: string, nodeFlags: string[] = []): AppProcess {
  const log = openSync(logPath, 'a');
  const child: ChildProcess = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', ...args], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  if (child.pid === undefined) throw new Error(`could not start ${name}: node ${args.join(' ')}`);
  let alive = true;
  const gone = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => {
      alive = false;
      resolve(signal ? `killed by ${signal}` : `exit code ${code}`);
    }),
  );
  const tail = (lines = 20) => {
    try {
      return readFileSync(logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  };
  const exited = gone.then((how) => {
    throw new Error(`${name} exited unexpectedly (${how}); its last output:\n${tail()}`);
  });
  exited.catch(() => undefined); // observed by whoever races it; never an unhandled rejection

  return {
    name,
    pid: child.pid,
    logPath,
    exited,
    tail,
    isRunning: () => alive,
    kill: (signal) => void child.kill(signal),
    ended: gone,
    async stop(graceMs = 15_000) {
      if (!alive) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => alive && child.kill('SIGKILL'), graceMs);
      await gone;
      clearTimeout(timer);
    },
  };
}

/** Runs a short command (`node --import tsx src/cli.ts ...`) and returns its stdout. */
export function runToCompletion(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`node ${args.join(' ')} exited with ${code}: ${err.trim() || out.trim()}`));
    });
  });
}

/** Polls GET url until it answers 200, the process dies, or the deadline passes. */
export async function waitForHealthy(url: string, proc: AppProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${proc.name} did not answer ${url} within ${timeoutMs / 1000} s:\n${proc.tail()}`);
    await Promise.race([proc.exited, new Promise((r) => setTimeout(r, 200))]);
  }
}

/** Waits until the process has printed a line containing text (the worker has no HTTP endpoint). */
export async function waitForOutput(proc: AppProcess, text: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!readFileSync(proc.logPath, 'utf8').includes(text)) {
    if (Date.now() > deadline) throw new Error(`${proc.name} did not print '${text}' within ${timeoutMs / 1000} s:\n${proc.tail()}`);
    await Promise.race([proc.exited, new Promise((r) => setTimeout(r, 200))]);
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The environment of a benchmark's API and worker: its own database, Redis prefix, port and files. */
export function appEnvironment(o: { databaseUrl: string; redisUrl: string; port: number; dir: string }): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: o.databaseUrl,
    REDIS_URL: o.redisUrl,
    REDIS_PREFIX: `bulkport-bench-${randomBytes(4).toString('hex')}:`,
    HOST: '127.0.0.1',
    PORT: String(o.port),
    STORAGE_DIR: join(o.dir, 'files'),
    DATA_DIR: join(o.dir, 'data'),
    DEV_WORKSPACE: 'false', // the token comes from the CLI, as a script would get one
  };
}
