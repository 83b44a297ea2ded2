import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** The package's bin, exactly what `npx bulkport` and `npm run cli` run. */
export const CLI_BIN = path.resolve('bin/bulkport.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  child: ChildProcess;
  /** stdout so far */
  stdout(): string;
  /** Resolves once stdout matches (bounded: rejects after timeoutMs, or if the process ends first). */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  done: Promise<CliResult>;
}

export interface CliOptions {
  /** Added to a clean environment: the runner's own BULKPORT_* variables never leak in. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** The process is killed after this long (the test then fails on its exit code). @default 60000 */
  timeoutMs?: number;
  /** argv[0] and argv[1]: @default [node, CLI_BIN] */
  command?: [string, ...string[]];
}

/** Starts the CLI as a child process with pipes (so stdout is not a terminal). */
export function spawnCli(args: string[], opts: CliOptions = {}): CliProcess {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('BULKPORT_')) delete env[k];
  Object.assign(env, opts.env);
  const [cmd, ...pre] = opts.command ?? [process.execPath, CLI_BIN];
  const child = spawn(cmd, [...pre, ...args], { cwd: opts.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
    for (const l of listeners) l();
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      for (const l of listeners) l();
      resolve({ code, signal, stdout, stderr });
    });
  });
  let ended = false;
  void done.then(() => (ended = true));
  return {
    child,
    stdout: () => stdout,
    done,
    waitForOutput(pattern, timeoutMs = 30_000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pattern.test(stdout)) finish();
          else if (ended) finish(new Error(`the CLI ended before printing ${pattern}:\n${stdout}\n${stderr}`));
        };
        const t = setTimeout(() => finish(new Error(`the CLI did not print ${pattern} within ${timeoutMs} ms:\n${stdout}\n${stderr}`)), timeoutMs);
        const finish = (err?: Error) => {
          clearTimeout(t);
          listeners.delete(check);
          if (err) reject(err);
          else resolve();
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** Runs the CLI to its end. */
export function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  const p = spawnCli(args, opts);
  p.child.stdin!.end();
  return p.done;
}
