/**
 * A benchmark's own Bulkport deployment on this machine: a fresh database, a temp directory, one
 * environment (one Redis prefix, one file store) shared by every API and worker process it starts,
 * and tokens made by the CLI as an operator would. Everything is removed at cleanup.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  REPO_ROOT,
  appEnvironment,
  freePort,
  runToCompletion,
  startAppProcess,
  waitForHealthy,
  waitForOutput,
  type AppProcess,
} from '../test/helpers/appProcess.ts';
import { ADMIN_URL, assertLoopback, createBenchDatabase, withClient, type BenchDatabase } from './benchDatabase.ts';
import { onCleanup, track } from './benchLifecycle.ts';

export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

export interface BenchServices {
  db: BenchDatabase;
  dir: string;
  /** The environment every process of this deployment runs with (PORT is set per API process). */
  env: NodeJS.ProcessEnv;
}

export async function createBenchServices(prefix: string): Promise<BenchServices> {
  assertLoopback(ADMIN_URL, 'DATABASE_URL');
  assertLoopback(REDIS_URL, 'REDIS_URL');
  const db = await createBenchDatabase();
  onCleanup('drop the benchmark database', () => db.drop());
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  onCleanup('remove the temp directory', () => rmSync(dir, { recursive: true, force: true }));
  const env = appEnvironment({ databaseUrl: db.url, redisUrl: REDIS_URL, port: 0, dir });
  console.log(`database ${db.name}, temp dir ${dir}`);
  return { db, dir, env };
}

/**
 * One member token per workspace, from `bulkport token create` (which also applies the migrations:
 * the first one runs alone, the others at once). Returns workspace name → token.
 */
export async function createTokens(s: BenchServices, workspaces: string[]): Promise<Map<string, string>> {
  const create = async (w: string) => [w, (await runToCompletion(['src/cli.ts', 'token', 'create', '--workspace', w], s.env)).trim()] as const;
  const [first, ...rest] = workspaces;
  const tokens = new Map([await create(first!)]);
  for (const pair of await Promise.all(rest.map(create))) tokens.set(...pair);
  return tokens;
}

export async function workspaceIdOf(s: BenchServices, name: string): Promise<string> {
  return withClient(s.db.url, async (c) => (await c.query(`SELECT id FROM workspaces WHERE name = $1`, [name])).rows[0].id as string);
}

export interface ApiProcess extends AppProcess {
  port: number;
  graphqlUrl: string;
  wsUrl: string;
}

/**
 * The node flags an npm script gives its process (`node --max-semi-space-size=1 --import tsx ...` →
 * ['--max-semi-space-size=1']), so a benchmark runs the process exactly as the script would.
 */
export function npmScriptNodeFlags(script: 'api' | 'worker' | 'start'): string[] {
  const scripts = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const words = scripts[script]!.split(/\s+/);
  return words.slice(words.indexOf('node') + 1, words.indexOf('--import'));
}

/**
 * `npm run api` (or `npm start`, role 'all') on a free loopback port, with the script's node flags
 * plus `nodeFlags`; resolves once /healthz answers.
 */
export async function startApi(s: BenchServices, name = 'api', role: 'api' | 'all' = 'api', nodeFlags: string[] = []): Promise<ApiProcess> {
  const port = await freePort();
  const flags = [...npmScriptNodeFlags(role === 'api' ? 'api' : 'start'), ...nodeFlags];
  const p = track(startAppProcess(name, ['src/main.ts', role], { ...s.env, PORT: String(port) }, join(s.dir, `${name}.log`), flags));
  await waitForHealthy(`http://127.0.0.1:${port}/healthz`, p);
  if (role === 'all') await waitForOutput(p, 'API and worker ready');
  return Object.assign(p, { port, graphqlUrl: `http://127.0.0.1:${port}/graphql`, wsUrl: `ws://127.0.0.1:${port}/graphql` });
}

/** `npm run worker`; resolves once it says it is running. */
export async function startWorker(s: BenchServices, name = 'worker', nodeFlags: string[] = []): Promise<AppProcess> {
  const flags = [...npmScriptNodeFlags('worker'), ...nodeFlags];
  const p = track(startAppProcess(name, ['src/main.ts', 'worker'], s.env, join(s.dir, `${name}.log`), flags), 30_000);
  await waitForOutput(p, 'worker running');
  return p;
}

/** Rate with thousands separators: 117,245. */
export const n = (v: number) => Math.round(v).toLocaleString('en');

/** The q-quantile (0..1) of values, nearest rank. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

/** Prints rows of cells as a table: the first column left-aligned, the others right-aligned. */
export function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => (row[col] ?? '').length)));
  for (const row of rows) console.log(row.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!))).join('  '));
}

/** A positive integer command-line argument, or its default. */
export function positiveArg(arg: string | undefined, fallback: number, name: string): number {
  const v = Number(arg ?? fallback);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer, got '${arg}'`);
  return v;
}
