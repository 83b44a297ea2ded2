import type { JobSummaryFields } from '../api/operations.ts';

const ENTITY_WORD = { CONTACTS: 'contacts', INVOICES: 'invoices' } as const;

/** "Import of contacts.csv", "Export of invoices". */
export function jobTitle(job: Pick<JobSummaryFields, 'kind' | 'entity' | 'fileName'>): string {
  if (job.kind === 'IMPORT') return `Import of ${job.fileName ?? ENTITY_WORD[job.entity]}`;
  return `Export of ${ENTITY_WORD[job.entity]}`;
}
