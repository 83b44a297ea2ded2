/**
 * CSV text from rows of cells, quoting a cell only when it must be quoted (RFC 4180), the way a
 * spreadsheet writes it. Tests that are about the dialect itself write their bytes by hand instead.
 */
export function buildCsv(rows: readonly (readonly string[])[], eol = '\n'): string {
  return rows.map((cells) => cells.map(csvCell).join(',') + eol).join('');
}

export function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export const CONTACTS_HEADER = ['email', 'first_name', 'last_name', 'phone', 'company', 'tags'] as const;

/** A valid contacts row for the given number (unique email `<prefix><n>@example.com`). */
export function contactRow(n: number, prefix = 'person'): string[] {
  return [`${prefix}${n}@example.com`, `First${n}`, `Last${n}`, `+1 555 ${String(n).padStart(4, '0')}`, `Company ${n}`, n % 2 ? 'vip, beta' : ''];
}

/** A contacts file with `count` valid rows numbered from 1. */
export function validContactsCsv(count: number, prefix = 'person'): string {
  return buildCsv([CONTACTS_HEADER, ...Array.from({ length: count }, (_, i) => contactRow(i + 1, prefix))]);
}

/** `rows` contacts; every 100th has an invalid email, so failedRows is rows / 100 (rounded down). */
export function fileWithSomeBadRows(rows: number, prefix: string): string {
  return buildCsv([
    CONTACTS_HEADER,
    ...Array.from({ length: rows }, (_, i) => {
      const row = contactRow(i + 1, prefix);
      if ((i + 1) % 100 === 0) row[0] = `not-an-email-${i}`;
      return row;
    }),
  ]);
}
