import type { CellError, CellValue } from './entityDefinition.ts';

/**
 * Reusable cell parsers. Inputs are already trimmed and non-empty; each returns the value to store
 * or a CellError whose message quotes the value so a user can find it in the sheet.
 */

/** A cell quoted in a message: clipped, so one 1 MiB cell cannot make a 1 MiB message (value holds it, clipped too). */
function quoted(v: string): string {
  return `'${v.length > 80 ? `${v.slice(0, 80)}…` : v}'`;
}

// Pragmatic address check (what users and mail providers accept), not the full RFC 5322 grammar:
// one @, a non-empty local part without spaces, a dotted domain whose labels are letters/digits/hyphens.
const EMAIL = /^[^\s@"(),:;<>[\\\]]+@(?:[A-Za-z0-9\u00a1-\uffff](?:[A-Za-z0-9\u00a1-\uffff-]{0,61}[A-Za-z0-9\u00a1-\uffff])?\.)+[A-Za-z\u00a1-\uffff]{2,63}$/;

export function text(maxLength: number) {
  return (v: string, column: string): CellValue | CellError =>
    v.length > maxLength ? { code: 'TOO_LONG', message: `${column} must be at most ${maxLength} characters (has ${v.length})` } : v;
}

export function email(maxLength = 254) {
  return (v: string, column: string): CellValue | CellError => {
    if (v.length > maxLength) return { code: 'TOO_LONG', message: `${column} must be at most ${maxLength} characters (has ${v.length})` };
    if (!EMAIL.test(v) || v.includes('..')) return { code: 'INVALID_EMAIL', message: `invalid email ${quoted(v)}` };
    return v.toLowerCase();
  };
}

/** "vip, beta,,x" → ['vip', 'beta', 'x']: trimmed, empty ones dropped. */
export function tagList(maxTagLength = 100) {
  return (v: string, column: string): CellValue | CellError => {
    const tags: string[] = [];
    for (const part of v.split(',')) {
      const t = part.trim();
      if (t === '') continue;
      if (t.length > maxTagLength) return { code: 'TOO_LONG', message: `each of ${column} must be at most ${maxTagLength} characters ('${t.slice(0, 20)}…')` };
      tags.push(t);
    }
    return tags;
  };
}

const DECIMAL = /^\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^\d+(?:\.\d+)?$|^\.\d+$/;

/** A non-negative amount with at most `scale` decimals: "1234.5", "1,234.50" (thousands separators). */
export function decimal(options: { scale: number; maxIntegerDigits: number }) {
  return (v: string, column: string): CellValue | CellError => {
    const s = v.replace(/^\+/, '');
    if (s.startsWith('-')) return { code: 'INVALID_NUMBER', message: `${column} must not be negative, got ${quoted(v)}` };
    if (!DECIMAL.test(s)) return { code: 'INVALID_NUMBER', message: `${column} must be a number such as 1234.50, got ${quoted(v)}` };
    const [int, frac = ''] = s.replace(/,/g, '').split('.');
    if (frac.length > options.scale)
      return { code: 'INVALID_NUMBER', message: `${column} must have at most ${options.scale} decimal places, got ${quoted(v)}` };
    const digits = int.replace(/^0+(?=\d)/, '');
    if (digits.length > options.maxIntegerDigits) return { code: 'INVALID_NUMBER', message: `${column} is too large: ${quoted(v)}` };
    return frac ? `${digits || '0'}.${frac}` : digits || '0';
  };
}

/** An ISO 8601 calendar date, YYYY-MM-DD, that exists (no February 30th). */
export function isoDate() {
  return (v: string, column: string): CellValue | CellError => {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
    if (m) {
      const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
      const date = new Date(Date.UTC(y, mo - 1, d));
      if (y >= 1 && date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d) return v;
      return { code: 'INVALID_DATE', message: `${column} ${quoted(v)} is not a real calendar date` };
    }
    return { code: 'INVALID_DATE', message: `${column} must be a date written YYYY-MM-DD, got ${quoted(v)}` };
  };
}

/** One of a fixed set of values, matched case-insensitively and stored as written in `values`. */
export function oneOf(values: readonly string[]) {
  const byLower = new Map(values.map((x) => [x.toLowerCase(), x]));
  return (v: string, column: string): CellValue | CellError =>
    byLower.get(v.toLowerCase()) ?? { code: 'INVALID_ENUM', message: `${column} must be one of ${values.join(', ')}, got ${quoted(v)}` };
}

/** Currency codes this runtime knows (ISO 4217, from the ICU data Node ships). */
export const ISO_CURRENCIES: readonly string[] = Intl.supportedValuesOf('currency');

export function currencyCode() {
  const known = new Set(ISO_CURRENCIES);
  return (v: string, column: string): CellValue | CellError => {
    const code = v.toUpperCase();
    return known.has(code) ? code : { code: 'INVALID_ENUM', message: `${column} must be an ISO 4217 currency code such as EUR or USD, got ${quoted(v)}` };
  };
}
