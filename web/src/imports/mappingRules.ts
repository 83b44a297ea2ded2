import type { ColumnMapping, EntityField, SavedMapping } from '../api/operations.ts';

/** Required fields that no column is mapped to yet. */
export function unmappedRequired(fields: EntityField[], mapping: ColumnMapping[]): string[] {
  const chosen = new Set(mapping.map((m) => m.field));
  return fields.filter((f) => f.required && !chosen.has(f.name)).map((f) => f.name);
}

/** Fields chosen for more than one column, with those columns (the API refuses such a mapping). */
export function fieldsChosenTwice(mapping: ColumnMapping[]): { field: string; columns: string[] }[] {
  const byField = new Map<string, string[]>();
  for (const m of mapping) if (m.field) byField.set(m.field, [...(byField.get(m.field) ?? []), m.column]);
  return [...byField].filter(([, columns]) => columns.length > 1).map(([field, columns]) => ({ field, columns }));
}

/** The mapping with one column's choice changed. */
export function chooseField(mapping: ColumnMapping[], index: number, field: string | null): ColumnMapping[] {
  return mapping.map((m, i) => (i === index ? { ...m, field } : m));
}

/**
 * A saved mapping laid over the file's columns: its choice for each column it names (when the
 * field still exists), the current choice for the others.
 */
export function applySavedMapping(current: ColumnMapping[], saved: SavedMapping, fields: EntityField[]): ColumnMapping[] {
  const known = new Set(fields.map((f) => f.name));
  const savedByColumn = new Map(saved.mapping.map((m) => [m.column, m.field]));
  return current.map((m) => {
    if (!savedByColumn.has(m.column)) return m;
    const field = savedByColumn.get(m.column) ?? null;
    return { ...m, field: field === null || known.has(field) ? field : m.field };
  });
}
