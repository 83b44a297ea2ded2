import { parseArgs } from 'node:util';
import { COMMON_HELP, COMMON_OPTIONS, enumValue, progressInterval, UsageError } from './commonArgs.ts';
import { resolveConnection, type Connection } from './connection.ts';

export const EXPORT_USAGE = `usage: bulkport export --entity ENTITY --out FILE [options]
       (from the repository: npm run --silent cli -- export --entity ENTITY --out FILE [options])

Starts an export on a running Bulkport, follows it live, then downloads the file to FILE.

  --entity ENTITY      contacts, invoices, … (any case)
  --out FILE           where to save the result (written whole, or not at all)
  --format F           csv (default) or jsonl
  --gzip               compress the file (name it .gz)
  --filter KEY=VALUE   repeatable; the rows must match every filter:
                         createdAfter=2026-01-01   createdBefore=…   updatedAfter=…  (ISO 8601 date or date-time)
                         status=paid[,open]        invoices: status is one of these (case-insensitive)
                         tags=vip[,beta]           contacts: has at least one of these tags
                         search=TEXT               case-insensitive substring of the main text fields
                       (keys are case-insensitive; statusIn and tagsAny are accepted too; a list
                       filter given twice adds values)
  --columns a,b,c      only these columns, in this order (default: all)
  --raw-cells          CSV: do not prefix cells starting with = + - @ with ' (for machine consumers)
  --excel              CSV: a UTF-8 BOM and CRLF line ends, for Excel
${COMMON_HELP}

Ctrl-C asks whether to cancel the export on the server (without a terminal on stdin: the first
Ctrl-C cancels it, a second exits at once).

exit codes:
  0  the export COMPLETED and FILE was saved
  1  the export FAILED or was CANCELLED, FILE could not be saved, or bad usage, an unreachable
     server or a refused token`;

export interface ExportFilterInput {
  createdAfter?: string;
  createdBefore?: string;
  updatedAfter?: string;
  statusIn?: string[];
  tagsAny?: string[];
  search?: string;
}

export interface ExportOptions {
  input: Record<string, unknown> & { entity: string };
  out: string;
  progressIntervalMs: number;
  connection: Connection;
}

const FILTER_KEYS: Record<string, keyof ExportFilterInput> = {
  createdafter: 'createdAfter',
  createdbefore: 'createdBefore',
  updatedafter: 'updatedAfter',
  status: 'statusIn',
  statusin: 'statusIn',
  tags: 'tagsAny',
  tagsany: 'tagsAny',
  search: 'search',
};
const LIST_KEYS = new Set<keyof ExportFilterInput>(['statusIn', 'tagsAny']);

/** `--filter status=paid --filter createdAfter=2026-01-01` → ExportFilter { statusIn: ['paid'], createdAfter: '2026-01-01' } */
export function parseFilters(filters: string[]): ExportFilterInput | undefined {
  if (filters.length === 0) return undefined;
  const out: ExportFilterInput = {};
  for (const f of filters) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new UsageError(`--filter '${f}' is not KEY=VALUE (e.g. --filter status=paid)`, EXPORT_USAGE);
    const rawKey = f.slice(0, eq).trim();
    const value = f.slice(eq + 1).trim();
    const key = FILTER_KEYS[rawKey.toLowerCase().replace(/[-_]/g, '')];
    if (!key) {
      throw new UsageError(`unknown filter '${rawKey}': use createdAfter, createdBefore, updatedAfter, status, tags or search`, EXPORT_USAGE);
    }
    if (value === '') throw new UsageError(`--filter ${rawKey}= needs a value`, EXPORT_USAGE);
    if (LIST_KEYS.has(key)) {
      const list = (out[key] as string[] | undefined) ?? [];
      list.push(
        ...value
          .split(',')
          .map((v) => v.trim())
          .filter((v) => v !== ''),
      );
      (out as Record<string, unknown>)[key] = list;
    } else {
      if (out[key] !== undefined) throw new UsageError(`filter ${key} is given twice`, EXPORT_USAGE);
      (out as Record<string, unknown>)[key] = value;
    }
  }
  return out;
}

/** `export …` arguments → the StartExportInput, where to save, and the connection; or 'help'. */
export function parseExportArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ExportOptions | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...COMMON_OPTIONS,
      entity: { type: 'string' },
      out: { type: 'string', short: 'o' },
      format: { type: 'string' },
      gzip: { type: 'boolean' },
      filter: { type: 'string', multiple: true },
      columns: { type: 'string' },
      'raw-cells': { type: 'boolean' },
      excel: { type: 'boolean' },
    },
  });
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`, EXPORT_USAGE);
  const entity = enumValue('--entity', values.entity, EXPORT_USAGE);
  if (!values.out) throw new UsageError('--out FILE is required: where to save the export', EXPORT_USAGE);
  const input: ExportOptions['input'] = { entity };
  const filter = parseFilters(values.filter ?? []);
  if (filter) input.filter = filter;
  if (values.format !== undefined) input.format = enumValue('--format', values.format, EXPORT_USAGE, ['CSV', 'JSONL']);
  if (values.gzip) input.gzip = true;
  if (values.columns !== undefined)
    input.columns = values.columns
      .split(',')
      .map((c) => c.trim())
      .filter((c) => c !== '');
  if (values['raw-cells']) input.rawCells = true;
  if (values.excel) input.excelCompatible = true;
  if (values['idempotency-key']) input.idempotencyKey = values['idempotency-key'];
  const progressIntervalMs = progressInterval(values['progress-interval'], EXPORT_USAGE);
  return { input, out: values.out, progressIntervalMs, connection: resolveConnection({ url: values.url, token: values.token }, env) };
}
