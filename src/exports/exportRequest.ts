import type { EntityDefinition } from '../entities/entityDefinition.ts';
import { badInput } from '../errors.ts';
import { checkText, checkTextList } from '../textInput.ts';

import type { ExportFormat, ExportOptions } from '../jobs/jobOptions.ts';

export type { ExportFormat, ExportOptions };

export interface ExportFilter {
  createdAfter?: Date | null;
  createdBefore?: Date | null;
  updatedAfter?: Date | null;
  tagsAny?: string[] | null;
  statusIn?: string[] | null;
  search?: string | null;
}

export interface StartExportInput {
  entity: string;
  filter?: ExportFilter | null;
  columns?: string[] | null;
  format?: ExportFormat | null;
  gzip?: boolean | null;
  rawCells?: boolean | null;
  excelCompatible?: boolean | null;
}

/** Validates a startExport input against the entity; throws BAD_USER_INPUT naming what is wrong. */
export function toExportOptions(entity: EntityDefinition, input: StartExportInput): ExportOptions {
  const known = entity.columns.map((c) => c.name);
  const columns = input.columns ?? known;
  if (columns.length === 0) throw badInput('columns must name at least one column', { field: 'columns' });
  const unknown = columns.filter((c) => !known.includes(c));
  if (unknown.length > 0) {
    throw badInput(
      `unknown column${unknown.length > 1 ? 's' : ''} ${unknown
        .slice(0, 5)
        .map((c) => `'${c.slice(0, 64)}'`)
        .join(', ')} for ${entity.name}; valid columns: ${known.join(', ')}`,
      {
        field: 'columns',
        unknownColumns: unknown,
      },
    );
  }
  const repeated = columns.find((c, i) => columns.indexOf(c) !== i);
  if (repeated) throw badInput(`column '${repeated}' is listed twice`, { field: 'columns' });

  const f = input.filter ?? {};
  if (f.tagsAny && !entity.filterColumns.tags) throw badInput(`filter.tagsAny does not apply to ${entity.name}`, { field: 'filter.tagsAny' });
  if (f.statusIn && !entity.filterColumns.status) throw badInput(`filter.statusIn does not apply to ${entity.name}`, { field: 'filter.statusIn' });
  const filter: ExportOptions['filter'] = {};
  if (f.createdAfter) filter.createdAfter = f.createdAfter.toISOString();
  if (f.createdBefore) filter.createdBefore = f.createdBefore.toISOString();
  if (f.updatedAfter) filter.updatedAfter = f.updatedAfter.toISOString();
  if (f.tagsAny) filter.tagsAny = checkTextList('filter.tagsAny', f.tagsAny, 100, 100);
  if (f.statusIn) filter.statusIn = checkTextList('filter.statusIn', f.statusIn, 20, 50).map((s) => s.toLowerCase());
  if (f.search && f.search.trim() !== '') filter.search = checkText('filter.search', f.search.trim(), 200);

  const format = input.format ?? 'CSV';
  return {
    filter,
    columns,
    format,
    gzip: input.gzip ?? false,
    rawCells: input.rawCells ?? false,
    excelCompatible: format === 'CSV' && (input.excelCompatible ?? false),
  };
}
