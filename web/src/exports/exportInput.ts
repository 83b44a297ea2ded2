import type { Entity, ExportFilterInput, ExportFormat, StartExportVariables } from '../api/operations.ts';

export interface ExportForm {
  entity: Entity;
  createdAfter: string;
  createdBefore: string;
  updatedAfter: string;
  /** contacts: comma-separated tags */
  tags: string;
  /** invoices */
  statuses: string[];
  search: string;
  format: ExportFormat;
  gzip: boolean;
  excelCompatible: boolean;
}

export const INVOICE_STATUSES = ['draft', 'open', 'paid', 'void'];

/** A date input's day as the start of that day in UTC (the API's DateTime is ISO 8601 with a zone). */
function startOfDay(day: string): string | undefined {
  return day ? `${day}T00:00:00Z` : undefined;
}

/** The form as startExport's input: empty fields are left out, filters of the other entity too. */
export function toExportInput(form: ExportForm): StartExportVariables {
  const filter: ExportFilterInput = {};
  const put = <K extends keyof ExportFilterInput>(key: K, value: ExportFilterInput[K] | undefined) => {
    if (value !== undefined && !(Array.isArray(value) && value.length === 0) && value !== '') filter[key] = value;
  };
  put('createdAfter', startOfDay(form.createdAfter));
  put('createdBefore', startOfDay(form.createdBefore));
  put('updatedAfter', startOfDay(form.updatedAfter));
  put('search', form.search.trim());
  if (form.entity === 'CONTACTS')
    put(
      'tagsAny',
      form.tags
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    );
  if (form.entity === 'INVOICES') put('statusIn', form.statuses);
  return {
    entity: form.entity,
    ...(Object.keys(filter).length ? { filter } : {}),
    format: form.format,
    gzip: form.gzip,
    excelCompatible: form.format === 'CSV' && form.excelCompatible,
  };
}
