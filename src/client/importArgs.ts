import { parseArgs } from 'node:util';
import { COMMON_HELP, COMMON_OPTIONS, enumValue, progressInterval, EXIT_CODES_HELP, UsageError } from './commonArgs.ts';
import { resolveConnection, type Connection } from './connection.ts';

export const IMPORT_USAGE = `usage: bulkport import FILE --entity ENTITY [options]
       (from the repository: npm run --silent cli -- import FILE --entity ENTITY [options])

Uploads a CSV file to a running Bulkport, follows the import live (a progress bar on a terminal,
plain lines otherwise), then prints the summary and the first row errors.

  --entity ENTITY      contacts, invoices, … (any case)
  --strategy S         when a row's key already exists: skip (default), update or fail
  --mapping NAME       a saved column mapping of the workspace, for this entity
  --dry-run            validate the whole file, write nothing; prints what would be inserted/updated
  --failed-rows OUT    save the failed rows (original columns, row number, errors) as a CSV file
  --show-errors N      row errors printed at the end (default 10, 0 for none)
${COMMON_HELP}

Ctrl-C asks whether to cancel the job on the server (without a terminal on stdin: the first
Ctrl-C cancels it, a second exits at once).

${EXIT_CODES_HELP}`;

export interface ImportOptions {
  file: string;
  entity: string;
  strategy: 'SKIP' | 'UPDATE' | 'FAIL' | undefined;
  mappingName: string | undefined;
  dryRun: boolean;
  failedRowsOut: string | undefined;
  showErrors: number;
  idempotencyKey: string | undefined;
  progressIntervalMs: number;
  connection: Connection;
}

/** `import …` arguments → options, or 'help'. Throws UsageError naming the problem. */
export function parseImportArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ImportOptions | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...COMMON_OPTIONS,
      entity: { type: 'string' },
      strategy: { type: 'string' },
      mapping: { type: 'string' },
      'dry-run': { type: 'boolean' },
      'failed-rows': { type: 'string' },
      'show-errors': { type: 'string' },
    },
  });
  if (values.help) return 'help';
  if (positionals.length === 0) throw new UsageError('import needs the FILE to upload', IMPORT_USAGE);
  if (positionals.length > 1) throw new UsageError(`import takes one FILE, got ${positionals.length}: ${positionals.join(' ')}`, IMPORT_USAGE);
  const showErrors = values['show-errors'] === undefined ? 10 : Number(values['show-errors']);
  if (!Number.isInteger(showErrors) || showErrors < 0 || showErrors > 1000) {
    throw new UsageError(`--show-errors must be a whole number from 0 to 1000, got '${values['show-errors']}'`, IMPORT_USAGE);
  }
  if (values.mapping !== undefined && values.mapping.trim() === '') throw new UsageError('--mapping needs a NAME', IMPORT_USAGE);
  return {
    file: positionals[0],
    entity: enumValue('--entity', values.entity, IMPORT_USAGE),
    strategy:
      values.strategy === undefined
        ? undefined
        : (enumValue('--strategy', values.strategy, IMPORT_USAGE, ['SKIP', 'UPDATE', 'FAIL']) as ImportOptions['strategy']),
    mappingName: values.mapping?.trim(),
    dryRun: values['dry-run'] ?? false,
    failedRowsOut: values['failed-rows'],
    showErrors,
    idempotencyKey: values['idempotency-key'],
    progressIntervalMs: progressInterval(values['progress-interval'], IMPORT_USAGE),
    connection: resolveConnection({ url: values.url, token: values.token }, env),
  };
}

/**
 * StartImportInput without its file. Only what was asked for is sent: a server that predates
 * mappings or dry runs still takes every import that does not use them.
 */
export function startImportInput(o: ImportOptions): Record<string, unknown> {
  const input: Record<string, unknown> = { entity: o.entity };
  if (o.strategy) input.duplicateStrategy = o.strategy;
  if (o.mappingName) input.mappingName = o.mappingName;
  if (o.dryRun) input.dryRun = true;
  if (o.idempotencyKey) input.idempotencyKey = o.idempotencyKey;
  return input;
}
