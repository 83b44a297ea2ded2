import { parseArgs } from 'node:util';
import type pg from 'pg';
import type { Config } from '../config.ts';
import { allEntities } from '../entities/registry.ts';
import { withAdminDatabase } from './adminDatabase.ts';
import { effectiveLimits, loadOwnLimits, loadUsage, setOwnLimits, type LimitChanges } from '../workspaces/workspaceLimits.ts';

export const WORKSPACE_USAGE = `usage:
  cli workspace limits --workspace NAME [--max-concurrent-jobs N] [--max-rows ENTITY=N]… [--max-upload-mb N]
      Sets the workspace's own limits (creating the workspace if needed), then prints its limits and
      usage as JSON. Without options it only prints them. A value 'default' removes the workspace's
      own limit, so the service's default (from its configuration) applies again.
      --max-concurrent-jobs  jobs it may run at once; more wait QUEUED and start in order
      --max-rows ENTITY=N    rows it may hold of an entity (contacts, invoices); repeatable
      --max-upload-mb N      largest upload, in MiB (never more than the service's MAX_UPLOAD_BYTES)

Operator commands: they open the service's database (DATABASE_URL, or the embedded PostgreSQL
that npm start runs), not the API.`;

const usage = (problem: string) => new Error(`${problem}\n${WORKSPACE_USAGE}`);

/** A whole number ≥ min, or null for 'default'. */
function limitValue(option: string, text: string, min: number): number | null {
  if (text === 'default') return null;
  if (!/^\d+$/.test(text) || Number(text) < min || !Number.isSafeInteger(Number(text))) {
    throw usage(`${option} must be a whole number of at least ${min}, or 'default'; got '${text}'`);
  }
  return Number(text);
}

export function parseLimitChanges(values: { 'max-concurrent-jobs'?: string; 'max-rows'?: string[]; 'max-upload-mb'?: string }): LimitChanges {
  const changes: LimitChanges = {};
  if (values['max-concurrent-jobs'] !== undefined) changes.maxConcurrentJobs = limitValue('--max-concurrent-jobs', values['max-concurrent-jobs'], 1);
  if (values['max-upload-mb'] !== undefined) {
    const mb = limitValue('--max-upload-mb', values['max-upload-mb'], 1);
    changes.maxUploadBytes = mb === null ? null : mb * 1024 * 1024;
  }
  for (const pair of values['max-rows'] ?? []) {
    const match = /^([A-Za-z_]+)=(.+)$/.exec(pair);
    if (!match) throw usage(`--max-rows takes ENTITY=N, got '${pair}'`);
    const entity = allEntities().find((e) => e.name === match[1].toUpperCase());
    if (!entity)
      throw usage(
        `--max-rows: unknown entity '${match[1]}'; one of ${allEntities()
          .map((e) => e.name.toLowerCase())
          .join(', ')}`,
      );
    changes.maxRows = { ...changes.maxRows, [entity.name]: limitValue(`--max-rows ${match[1]}`, match[2], 0) };
  }
  return changes;
}

/** The JSON `workspace limits` prints: the limits that apply, the workspace's own settings, and its usage. */
export async function describeWorkspace(pool: pg.Pool, config: Config, name: string): Promise<object | null> {
  const { rows } = await pool.query<{ id: string }>('SELECT id FROM workspaces WHERE name = $1', [name]);
  if (!rows[0]) return null;
  const own = await loadOwnLimits(pool, rows[0].id);
  return { workspace: name, limits: effectiveLimits(config, own), own, usage: await loadUsage(pool, rows[0].id) };
}

/** `cli workspace …`. Returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      workspace: { type: 'string' },
      'max-concurrent-jobs': { type: 'string' },
      'max-rows': { type: 'string', multiple: true },
      'max-upload-mb': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${WORKSPACE_USAGE}\n`);
    return 0;
  }
  const [action, ...extra] = positionals;
  if (action !== 'limits') throw usage(action ? `unknown workspace command '${action}'` : 'workspace needs a command: limits');
  if (extra.length > 0) throw usage(`unexpected argument '${extra[0]}'`);
  if (!values.workspace) throw usage('workspace limits needs --workspace NAME');
  const changes = parseLimitChanges(values);
  const described = await withAdminDatabase(async (_db, { pool, config }) => {
    if (Object.keys(changes).length > 0) await setOwnLimits(pool, values.workspace!, changes);
    return describeWorkspace(pool, config, values.workspace!);
  });
  if (!described) throw new Error(`no workspace named '${values.workspace}' (set a limit to create it, or: cli token create --workspace ${values.workspace})`);
  process.stdout.write(`${JSON.stringify(described, null, 2)}\n`);
  return 0;
}
