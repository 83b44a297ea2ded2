import { PermanentFailure } from '../jobs/permanentFailure.ts';

/**
 * Errors worth another attempt: the database or the network went away for a moment, or the database
 * asked for a retry (deadlock, serialization failure). Everything is retried except a PermanentFailure;
 * this list only decides how a final failure is worded.
 */
const TRANSIENT_SQLSTATES = /^(08|40001|40P01|53|55P03|57P0[1-3])/;
const TRANSIENT_SYSCALLS = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

export function isTransient(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e.code === 'string' && (TRANSIENT_SQLSTATES.test(e.code) || TRANSIENT_SYSCALLS.has(e.code))) return true;
  return typeof e.message === 'string' && /Connection terminated|connection timeout|timeout exceeded when trying to connect/i.test(e.message);
}

/**
 * What a failureReason may say. Our own errors are written for users; a driver, database or
 * system error names hosts, tables and internals, so the user gets a plain sentence instead
 * (the raw message is in the worker's log).
 */
export function userFacingReason(err: unknown): string {
  if (err instanceof PermanentFailure) return err.message;
  if (isTransient(err)) return 'the database or file storage could not be reached; try again later';
  const e = err as { code?: unknown; severity?: unknown; message?: string };
  if (typeof e.severity === 'string') return 'the database refused an operation; try again, and contact support if it persists';
  if (typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) return 'the file storage could not be read; try again later';
  return e.message ?? 'unknown error';
}

/**
 * Delay before retry number `attempt` (1 = the first retry): exponential, capped, with full jitter
 * between half and all of it, so tasks that failed together (a database restart) do not return together.
 */
export function retryDelayMs(attempt: number, baseMs = 1000, capMs = 60_000, random = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
