import type { EntityDefinition } from './entityDefinition.ts';

/** "First Name", "first_name", "FIRST-NAME" → "firstname": case, spaces, underscores and hyphens do not matter. */
export function normalizeHeader(h: string): string {
  return h.replace(/^\uFEFF/, '').toLowerCase().replace(/[\s_-]+/g, '');
}

export interface HeaderMatch {
  /** For each entity column (in entity order), the index of its CSV field, or -1 when absent. */
  fieldIndex: number[];
  /** Entity columns present in the file, in entity order. */
  presentColumns: string[];
  missingRequired: string[];
  /** Columns named by more than one header cell. */
  repeated: string[];
  /** Header cells that match no column: ignored, reported to the user. */
  unknown: string[];
}

export function matchHeader(entity: EntityDefinition, header: string[]): HeaderMatch {
  const lookup = new Map<string, number>();
  entity.columns.forEach((c, i) => {
    lookup.set(normalizeHeader(c.name), i);
    for (const a of c.aliases ?? []) lookup.set(normalizeHeader(a), i);
  });
  const fieldIndex = entity.columns.map(() => -1);
  const repeated: string[] = [];
  const unknown: string[] = [];
  header.forEach((cell, fieldNo) => {
    const col = lookup.get(normalizeHeader(cell));
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

/** A failureReason for a header that cannot be imported, or null when it can. */
export function describeHeaderProblem(entity: EntityDefinition, m: HeaderMatch, header: string[]): string | null {
  const found = header.map((h) => `'${h.trim()}'`).join(', ');
  if (m.missingRequired.length > 0) {
    const names = m.missingRequired.map((n) => `'${n}'`).join(', ');
    const plural = m.missingRequired.length > 1 ? 'columns' : 'column';
    return `missing required ${plural} ${names} in the header row (found ${found}); expected columns: ${entity.columns.map((c) => c.name).join(', ')}`;
  }
  if (m.repeated.length > 0) return `column '${m.repeated[0]}' appears more than once in the header row`;
  return null;
}
