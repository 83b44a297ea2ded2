import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/react';
import type { JobContractFields, JobDetailFields } from '../api/operations.ts';
import { JobOutcome } from './JobOutcome.tsx';

const ENDED: JobDetailFields = {
  id: 'j1',
  kind: 'IMPORT',
  entity: 'CONTACTS',
  status: 'COMPLETED',
  fileName: 'kunden.csv',
  totalRows: 300,
  processedRows: 300,
  succeededRows: 293,
  failedRows: 7,
  percent: 100,
  rowsPerSecond: 1000,
  etaSeconds: 0,
  createdAt: '2026-01-01T00:00:00Z',
  failureReason: null,
  startedAt: '2026-01-01T00:00:01Z',
  completedAt: '2026-01-01T00:00:02Z',
  duplicateStrategy: 'SKIP',
  insertedRows: 290,
  updatedRows: 0,
  unchangedRows: 3,
  ignoredColumns: ['Notizen'],
  downloadUrl: null,
  downloadExpiresAt: null,
};

const count = (term: string) => screen.getByText(term, { selector: 'dt' }).nextElementSibling?.textContent;

describe('the outcome of an ended job', () => {
  afterEach(cleanup);

  it('should show the status word and the counts, and offer the failed rows when the server links them', () => {
    const extras: JobContractFields = { dryRun: false, wouldInsert: null, wouldUpdate: null, failedRowsUrl: '/files/j1-failed?sig=x' };
    render(<JobOutcome job={ENDED} extras={extras} />);
    expect(screen.getByText('COMPLETED')).toBeTruthy();
    expect([count('Rows in the file'), count('Succeeded'), count('Failed'), count('Inserted'), count('Unchanged')]).toEqual(['300', '293', '7', '290', '3']);
    expect(screen.getByText('Ignored columns: Notizen')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Download failed rows' }).getAttribute('href')).toBe('/files/j1-failed?sig=x');
  });

  it('should offer no failed-rows link when the server has none (or no such field)', () => {
    render(<JobOutcome job={ENDED} extras={null} />);
    expect(screen.queryByRole('link', { name: 'Download failed rows' })).toBeNull();
  });

  it('should give a FAILED job’s reason beside the status word', () => {
    render(<JobOutcome job={{ ...ENDED, status: 'FAILED', failureReason: 'the file has no column for first_name' }} extras={null} />);
    expect(screen.getByText('FAILED').parentElement?.textContent).toBe('FAILED: the file has no column for first_name');
  });

  it('should say that a validate-only run wrote nothing, and show what it would have done', () => {
    render(<JobOutcome job={ENDED} extras={{ dryRun: true, wouldInsert: 280, wouldUpdate: 13, failedRowsUrl: null }} />);
    expect(screen.getByText(/Validate only: nothing was written/)).toBeTruthy();
    expect([count('Would insert'), count('Would update')]).toEqual(['280', '13']);
    expect(screen.queryByText('Inserted', { selector: 'dt' })).toBeNull();
  });
});
