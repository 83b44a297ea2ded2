import type { CellValue } from '../entities/entityDefinition.ts';

/**
 * Encoding for PostgreSQL's COPY ... FROM STDIN text format: one line per row, tab-separated,
 * `\N` for NULL, and backslash escapes for backslash, tab, newline and carriage return.
 */
const NEEDS_ESCAPE = /[\\\t\n\r\u0000]/;

export function copyEscape(v: string): string {
  if (!NEEDS_ESCAPE.test(v)) return v;
  // PostgreSQL text cannot hold NUL: it is kept visible as the two characters \0 (only raw
  // malformed lines and error values reach here with one; a cell with NUL is a row error).
  return v
    .replace(/\u0000/g, '\\0')
    .replace(/\\/g, '\\\\')
    .replace(/\t/g, '\\t')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r');
}

/** An array literal such as {"vip","beta"}, itself escaped for COPY. */
function arrayLiteral(items: string[]): string {
  let out = '{';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += ',';
    out += '"' + items[i].replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
  }
  return copyEscape(out + '}');
}

export function copyValue(v: CellValue | number | boolean | undefined): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'string') return copyEscape(v);
  if (Array.isArray(v)) return arrayLiteral(v);
  if (typeof v === 'boolean') return v ? 't' : 'f';
  return String(v);
}

/** A row's cells as COPY text, each preceded by a tab (what follows a line's leading columns). */
export function copyCells(values: readonly CellValue[]): string {
  let cells = '';
  for (let i = 0; i < values.length; i++) cells += '\t' + copyValue(values[i]);
  return cells;
}
