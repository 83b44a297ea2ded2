import { badInput } from '../errors.ts';
import type { EntityDefinition } from './entityDefinition.ts';
import { columnKey, matchHeader, type ColumnChoice } from './headerMatch.ts';

export type { ColumnChoice };

/** Most entries one mapping may have (a file with more columns has more than any import needs). */
export const MAX_MAPPING_COLUMNS = 1000;
/** Longest column name a mapping entry may hold. */
export const MAX_COLUMN_NAME = 1000;

/**
 * The checks that need no file: every field exists in the entity, no column is named twice, no
 * field is chosen for two columns. BAD_USER_INPUT (with a reason) naming the first problem.
 */
export function checkMapping(entity: EntityDefinition, mapping: ColumnChoice[], what = 'mapping'): void {
  if (mapping.length > MAX_MAPPING_COLUMNS) {
    throw badInput(`the ${what} has ${mapping.length} entries; at most ${MAX_MAPPING_COLUMNS} are accepted`, { reason: 'MAPPING_TOO_LARGE' });
  }
  const fields = new Set(entity.columns.map((c) => c.name));
  const columns = new Set<string>();
  const chosen = new Map<string, string>();
  for (const { column, field } of mapping) {
    const key = columnKey(column);
    if (key === '' || key.length > MAX_COLUMN_NAME) {
      throw badInput(`the ${what} names an empty column, or one longer than ${MAX_COLUMN_NAME} characters: name each column as its header cell reads`, {
        reason: 'INVALID_COLUMN',
      });
    }
    if (columns.has(key)) throw badInput(`the ${what} names column '${key}' more than once`, { reason: 'COLUMN_MAPPED_TWICE', column: key });
    columns.add(key);
    if (field === null) continue;
    if (!fields.has(field)) {
      throw badInput(
        `the ${what} maps column '${key}' to '${field}', which is not a field of ${entity.name}: use one of ${[...fields].join(', ')}, or null to ignore the column`,
        {
          reason: 'UNKNOWN_FIELD',
          column: key,
          field,
        },
      );
    }
    const other = chosen.get(field);
    if (other !== undefined) {
      throw badInput(`the ${what} maps both '${other}' and '${key}' to '${field}': choose one column for each field`, {
        reason: 'FIELD_MAPPED_TWICE',
        field,
        columns: [other, key],
      });
    }
    chosen.set(field, key);
  }
}

/**
 * The mapping an import uses for this header: the explicit choices, then a saved mapping's choices
 * for the columns the explicit ones leave (a saved choice whose column the file lacks, or whose
 * field an explicit choice took, is skipped: a saved mapping is reused across files). Refuses, with
 * BAD_USER_INPUT, an explicit column that is not in the header, and any chosen column the header
 * has more than once (the choice cannot say which).
 */
export function mappingForHeader(header: string[], explicit: ColumnChoice[], saved: ColumnChoice[] = []): ColumnChoice[] {
  const counts = new Map<string, number>();
  for (const cell of header) counts.set(columnKey(cell), (counts.get(columnKey(cell)) ?? 0) + 1);
  const found = header.map((h) => `'${columnKey(h)}'`).join(', ');
  const result: ColumnChoice[] = [];
  const taken = new Set<string>();
  for (const c of explicit) {
    const key = columnKey(c.column);
    if (!counts.has(key)) {
      throw badInput(`the mapping names column '${key}', which the file's header does not have (found ${found})`, { reason: 'UNKNOWN_COLUMN', column: key });
    }
    result.push({ column: key, field: c.field });
    taken.add(key);
  }
  const takenFields = new Set(explicit.map((c) => c.field).filter((f) => f !== null));
  for (const c of saved) {
    const key = columnKey(c.column);
    if (!counts.has(key) || taken.has(key) || (c.field !== null && takenFields.has(c.field))) continue;
    result.push({ column: key, field: c.field });
  }
  for (const c of result) {
    if (counts.get(c.column)! > 1) {
      throw badInput(`the file's header has column '${c.column}' more than once, so a mapping cannot choose between them: rename one`, {
        reason: 'AMBIGUOUS_COLUMN',
        column: c.column,
      });
    }
  }
  return result;
}

export interface MappingSuggestion {
  entity: string;
  fields: { name: string; required: boolean }[];
  /** One entry per header cell, in order: the field it matches automatically, or null. */
  mapping: ColumnChoice[];
  /** Required fields no header cell matches. */
  missingRequired: string[];
}

/** What the import would do with these headers and no mapping: the same rules as the import itself. */
export function suggestMapping(entity: EntityDefinition, headers: string[]): MappingSuggestion {
  if (headers.length > MAX_MAPPING_COLUMNS) {
    throw badInput(`${headers.length} headers given; at most ${MAX_MAPPING_COLUMNS} are accepted`, { reason: 'MAPPING_TOO_LARGE' });
  }
  const match = matchHeader(entity, headers);
  const fieldOf: (string | null)[] = headers.map(() => null);
  match.fieldIndex.forEach((cell, col) => {
    if (cell !== -1) fieldOf[cell] = entity.columns[col].name;
  });
  return {
    entity: entity.name,
    fields: entity.columns.map((c) => ({ name: c.name, required: c.required ?? false })),
    mapping: headers.map((column, i) => ({ column, field: fieldOf[i] })),
    missingRequired: match.missingRequired,
  };
}
