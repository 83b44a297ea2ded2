import { describe, expect, it } from 'vitest';
import type { JobRecord } from './jobRecord.ts';
import { etaSeconds, expectedRows, rowsPerSecond, toProgressEvent } from './progressMath.ts';

const base: JobRecord = {
  id: 'j',
  workspaceId: 'w',
  kind: 'IMPORT',
  entity: 'CONTACTS',
  status: 'RUNNING',
  fileName: 'a.csv',
  fileKey: 'k',
  fileBytes: 1000,
  duplicateStrategy: 'SKIP',
  idempotencyKey: null,
  encoding: 'UTF-8',
  dryRun: false,
  stagedToRow: 0,
  storedErrors: 0,
  errorsTruncated: false,
  deletedRows: 0,
  revertsJobId: null,
  options: {},
  totalRows: null,
  processedRows: 0,
  succeededRows: 0,
  failedRows: 0,
  insertedRows: 0,
  updatedRows: 0,
  unchangedRows: 0,
  percent: 0,
  stagedRows: 0,
  stagedBytes: 0,
  stagedChunks: 0,
  totalChunks: null,
  mergedChunks: 0,
  conflictsMet: false,
  failureReason: null,
  resultKey: null,
  createdAt: new Date(0),
  startedAt: new Date(0),
  completedAt: null,
  updatedAt: new Date(0),
};

describe('progress maths', () => {
  it('should estimate the total from the share of bytes read until the exact total is known', () => {
    expect(expectedRows(base)).toBeNull();
    expect(expectedRows({ ...base, stagedRows: 100, stagedBytes: 250 })).toBe(400);
    expect(expectedRows({ ...base, stagedRows: 100, stagedBytes: 250, totalRows: 390 })).toBe(390);
  });

  it('should compute rows per second since the start and the time left at that rate', () => {
    const job = { ...base, totalRows: 1000, processedRows: 250 };
    const now = new Date(5000);
    expect(rowsPerSecond(job, now)).toBe(50);
    expect(etaSeconds(job, now)).toBe(15);
  });

  it('should report 100 percent and no time left once completed, and no eta for a failed job', () => {
    const done = { ...base, status: 'COMPLETED' as const, totalRows: 10, processedRows: 10, percent: 100, completedAt: new Date(2000) };
    expect(toProgressEvent(done)).toMatchObject({ percent: 100, etaSeconds: 0, rowsPerSecond: 5 });
    expect(etaSeconds({ ...base, status: 'FAILED' })).toBeNull();
  });
});
