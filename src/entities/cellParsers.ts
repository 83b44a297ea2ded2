import type { CellError, CellValue } from './entityDefinition.ts';

/**
 * Reusable cell parsers. Inputs are already trimmed and non-empty; each returns the value to store
 * or a CellError whose message quotes the value so a user can find it in the sheet.
 */

// Pragmatic address check (what users and mail providers accept), not the full RFC 5322 grammar:
// one @, a non-empty local part without spaces, a dotted domain whose labels are letters/digits/hyphens.
const EMAIL =
  /^[^\s@"(),:;<>[\\\]]+@(?:[A-Za-z0-9\u00a1-\uffff](?:[A-Za-z0-9\u00a1-\uffff-]{0,61}[A-Za-z0-9\u00a1-\uffff])?\.)+[A-Za-z\u00a1-\uffff]{2,63}$/;

export function text(maxLength: number) {
  return (v: string, column: string): CellValue | CellError =>
    v.length > maxLength ? { code: 'TOO_LONG', message: `${column} must be at most ${maxLength} characters (has ${v.length})` } : v;
}

export function email(maxLength = 254) {
  return (v: string, column: string): CellValue | CellError => {
    if (v.length > maxLength) return { code: 'TOO_LONG', message: `${column} must be at most ${maxLength} characters (has ${v.length})` };
    if (!EMAIL.test(v) || v.includes('..')) return { code: 'INVALID_EMAIL', message: `invalid email '${v}'` };
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
