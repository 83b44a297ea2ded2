import { DEFAULT_URL, TOKEN_ENV, URL_ENV } from './connection.ts';

/** Options every API command takes. */
export const COMMON_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  'idempotency-key': { type: 'string' },
  'progress-interval': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const COMMON_HELP = `  --url URL            the API (default: $${URL_ENV}, else ${DEFAULT_URL}); a bare
                       http://host:port means its /graphql. WebSocket progress uses the same URL.
  --token TOKEN        API token (default: $${TOKEN_ENV}; prefer the variable: flags show in ps)
  --idempotency-key K  the same key in a workspace returns the first job instead of starting another
                       (safe retries from scripts)
  --progress-interval S  when stdout is not a terminal: seconds between progress lines (default 5;
                       a line is also printed whenever the status changes)
  -h, --help           this help`;

export const EXIT_CODES_HELP = `exit codes:
  0  the job COMPLETED (and, for an import, no row failed)
  1  the job FAILED or was CANCELLED; or bad usage, an unreachable server, a refused token,
     or a requested file that could not be saved
  2  the import COMPLETED but some rows failed (see the errors printed, or --failed-rows)`;

/** A usage problem: the message says what to fix; the command's help follows it. */
export class UsageError extends Error {
  constructor(message: string, usage: string) {
    super(`${message}\n\n${usage}`);
    this.name = 'UsageError';
  }
}

/** contacts → CONTACTS: enum values are case-insensitive on the command line. */
export function enumValue(flag: string, raw: string | undefined, usage: string, allowed?: readonly string[]): string {
  if (!raw) throw new UsageError(`${flag} is required`, usage);
  const value = raw.trim().toUpperCase();
  if (!/^[A-Z][A-Z0-9_]*$/.test(value)) throw new UsageError(`${flag} '${raw}' is not a name`, usage);
  if (allowed && !allowed.includes(value)) {
    throw new UsageError(`${flag} must be one of ${allowed.map((a) => a.toLowerCase()).join(', ')}, got '${raw}'`, usage);
  }
  return value;
}

/** --progress-interval SECONDS → milliseconds (default 5 s). */
export function progressInterval(raw: string | undefined, usage: string): number {
  if (raw === undefined) return 5000;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--progress-interval must be a number of seconds above 0, got '${raw}'`, usage);
  return Math.round(seconds * 1000);
}
