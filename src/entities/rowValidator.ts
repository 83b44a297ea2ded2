import type { FileEncoding } from '../csv/fileEncoding.ts';
import type { HeaderMatch } from './headerMatch.ts';
import { isCellError, type CellValue, type EntityDefinition, type RowErrorCode } from './entityDefinition.ts';

export interface RowError {
  row: number;
  /** '' when the error concerns the whole row. */
  column: string;
  code: RowErrorCode;
  message: string;
  value: string | null;
}

const MAX_ERROR_VALUE = 200;

/**
 * Validates data records against an entity, given the header match. Returns the parsed values in
 * entity column order, or null after pushing at least one RowError: a row is imported whole or not at all.
 * `encoding` is the file's, named in INVALID_ENCODING messages.
 */
export function createRowValidator(entity: EntityDefinition, match: HeaderMatch, encoding: FileEncoding = 'UTF-8') {
  const notText = encodingAdvice(encoding);
  const columns = entity.columns;
  const indexes = match.fieldIndex;
  return function validate(fields: string[], row: number, errors: RowError[]): CellValue[] | null {
    const values: CellValue[] = new Array(columns.length);
    let ok = true;
    for (let i = 0; i < columns.length; i++) {
      const col = columns[i];
      const idx = indexes[i];
      const raw = idx === -1 ? '' : fields[idx].trim();
      if (raw === '') {
        if (col.required) {
          ok = false;
          errors.push({ row, column: col.name, code: 'REQUIRED', message: `${col.name} is required`, value: null });
        } else values[i] = col.emptyValue ?? null;
        continue;
      }
      // Checked before parsing: PostgreSQL rejects NUL in text, and U+FFFD is what bytes that are not text
      // in the file's encoding decode to (src/csv/transcode.ts; the CSV reader for UTF-8).
      if (raw.includes('\u0000')) {
        ok = false;
        errors.push({
          row,
          column: col.name,
          code: 'INVALID_CHARACTER',
          message: `${col.name} contains a NUL byte`,
          value: clip(raw.replace(/\u0000/g, '\\0')),
        });
        continue;
      }
      if (raw.includes('\uFFFD')) {
        ok = false;
        errors.push({ row, column: col.name, code: 'INVALID_ENCODING', message: `${col.name} ${notText}`, value: clip(raw) });
        continue;
      }
      const parsed = col.parse ? col.parse(raw, col.name) : raw;
      if (isCellError(parsed)) {
        ok = false;
        errors.push({ row, column: col.name, code: parsed.code, message: parsed.message, value: clip(raw) });
      } else values[i] = parsed;
    }
    return ok ? values : null;
  };
}

function encodingAdvice(encoding: FileEncoding): string {
  const fix = 'save the file as "CSV UTF-8" and import it again';
  if (encoding === 'UTF-8') return `is not valid UTF-8 text (the file's encoding): ${fix}, or name its real encoding in startImport's \`encoding\``;
  return `contains bytes that are not text in ${encoding} (the file's encoding): ${fix}`;
}

function clip(v: string): string {
  return v.length > MAX_ERROR_VALUE ? `${v.slice(0, MAX_ERROR_VALUE)}…` : v;
}
