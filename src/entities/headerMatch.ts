import type { EntityDefinition } from './entityDefinition.ts';

/** "First Name", "first_name", "FIRST-NAME" → "firstname": case, spaces, underscores and hyphens do not matter. */
export function normalizeHeader(h: string): string {
  return h
    .replace(/^\uFEFF/, '')
    .toLowerCase()
    .replace(/[\s_-]+/g, '');
}

/**
 * One choice of a column mapping: which entity field a file column fills; `field: null` ignores the
 * column. Columns a mapping does not name are matched automatically (matchHeader).
 */
export interface ColumnChoice {
  column: string;
  field: string | null;
}

/**
 * How a header cell and a mapping's `column` are compared: exactly, but without a byte order mark,
 * NUL characters or surrounding spaces (a spreadsheet shows none of them, so nobody can type them).
 */
export function columnKey(text: string): string {
  return text
    .replace(/^\uFEFF/, '')
    .replace(/\u0000/g, '')
    .trim();
}

export interface HeaderMatch {
  /** For each entity column (in entity order), the index of its CSV field, or -1 when absent. */
  fieldIndex: number[];
  /** Entity columns present in the file, in entity order. */
  presentColumns: string[];
  missingRequired: string[];
  /** Columns named by more than one header cell. */
  repeated: string[];
  /** Header cells that match no column, or that the mapping ignores: ignored, reported to the user. */
  unknown: string[];
}

/**
 * Which header cell fills which entity column. A mapping's choices (checked beforehand by
 * columnMapping.ts) win: a cell it names gets its field, or none when the field is null; the other
 * cells are matched by name and aliases, except to a field the mapping gave another cell (that cell
 * is then ignored: an explicit choice beats a guess).
 */
export function matchHeader(entity: EntityDefinition, header: string[], mapping: ColumnChoice[] = []): HeaderMatch {
  const chosen = new Map(mapping.map((m) => [columnKey(m.column), m.field]));
  const chosenFields = new Set(mapping.map((m) => m.field));
  const indexOf = new Map(entity.columns.map((c, i) => [c.name, i]));
  const lookup = new Map<string, number>();
  entity.columns.forEach((c, i) => {
    lookup.set(normalizeHeader(c.name), i);
    for (const a of c.aliases ?? []) lookup.set(normalizeHeader(a), i);
  });
  const fieldIndex = entity.columns.map(() => -1);
  const repeated: string[] = [];
  const unknown: string[] = [];
  header.forEach((cell, fieldNo) => {
    const key = columnKey(cell);
    let col: number | undefined;
    if (chosen.has(key)) {
      const field = chosen.get(key);
      col = field == null ? undefined : indexOf.get(field);
    } else {
      col = lookup.get(normalizeHeader(cell));
      if (col !== undefined && chosenFields.has(entity.columns[col].name)) col = undefined;
    }
    if (col === undefined) {
      if (cell.trim() !== '') unknown.push(cell.trim());
      return;
    }
    if (fieldIndex[col] !== -1) repeated.push(entity.columns[col].name);
    else fieldIndex[col] = fieldNo;
  });
  return {
    fieldIndex,
    presentColumns: entity.columns.filter((_, i) => fieldIndex[i] !== -1).map((c) => c.name),
    missingRequired: entity.columns.filter((c, i) => c.required && fieldIndex[i] === -1).map((c) => c.name),
    repeated,
    unknown,
  };
}

/** A failureReason for a header that cannot be imported, or null when it can. `mapped`: the import had a mapping. */
export function describeHeaderProblem(entity: EntityDefinition, m: HeaderMatch, header: string[], mapped = false): string | null {
  const found = header.map((h) => `'${h.trim()}'`).join(', ');
  if (m.missingRequired.length > 0) {
    const names = m.missingRequired.map((n) => `'${n}'`).join(', ');
    const plural = m.missingRequired.length > 1 ? 'columns' : 'column';
    if (mapped) return `no column is mapped to required field${m.missingRequired.length > 1 ? 's' : ''} ${names} (found ${found}): add it to the mapping`;
    return `missing required ${plural} ${names} in the header row (found ${found}); expected columns: ${entity.columns.map((c) => c.name).join(', ')}`;
  }
  if (m.repeated.length > 0) return `column '${m.repeated[0]}' appears more than once in the header row`;
  return null;
}
