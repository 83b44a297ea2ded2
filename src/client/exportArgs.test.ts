import { describe, expect, it } from 'vitest';
import { parseExportArgs, parseFilters, type ExportOptions } from './exportArgs.ts';

const parse = (args: string[]) => parseExportArgs(args, { BULKPORT_TOKEN: 'bp_t' }) as ExportOptions;

describe('parseFilters', () => {
  it('should map KEY=VALUE filters onto ExportFilter, keys in any case and spelling', () => {
    expect(parseFilters(['status=paid', 'Status=open,void', 'created-after=2026-01-01', 'createdBefore=2026-06-30T12:00:00Z', 'search=Acme, Inc.'])).toEqual({
      statusIn: ['paid', 'open', 'void'],
      createdAfter: '2026-01-01',
      createdBefore: '2026-06-30T12:00:00Z',
      search: 'Acme, Inc.',
    });
    expect(parseFilters(['tags=vip', 'tagsAny=beta', 'updated_after=2026-02-01'])).toEqual({ tagsAny: ['vip', 'beta'], updatedAfter: '2026-02-01' });
    expect(parseFilters([])).toBeUndefined();
  });

  it.each([
    ['status', "--filter 'status' is not KEY=VALUE"],
    ['colour=red', "unknown filter 'colour': use createdAfter, createdBefore, updatedAfter, status, tags or search"],
    ['search=', '--filter search= needs a value'],
  ])('should refuse %j clearly', (filter, message) => {
    expect(() => parseFilters([filter])).toThrow(message);
  });

  it('should refuse a single-valued filter given twice', () => {
    expect(() => parseFilters(['createdAfter=2026-01-01', 'createdafter=2026-02-01'])).toThrow('filter createdAfter is given twice');
  });
});

describe('parseExportArgs', () => {
  it('should build the StartExportInput from the flags', () => {
    const o = parse([
      '--entity',
      'Invoices',
      '--filter',
      'status=paid',
      '--format',
      'jsonl',
      '--gzip',
      '--columns',
      'number, amount',
      '--raw-cells',
      '--excel',
      '--out',
      'x.jsonl.gz',
    ]);
    expect(o.input).toEqual({
      entity: 'INVOICES',
      filter: { statusIn: ['paid'] },
      format: 'JSONL',
      gzip: true,
      columns: ['number', 'amount'],
      rawCells: true,
      excelCompatible: true,
    });
    expect(o.out).toBe('x.jsonl.gz');
  });

  it('should send only what was asked for', () => {
    expect(parse(['--entity', 'contacts', '--out', 'c.csv']).input).toEqual({ entity: 'CONTACTS' });
  });

  it('should require --out and refuse an unknown format', () => {
    expect(() => parse(['--entity', 'contacts'])).toThrow('--out FILE is required');
    expect(() => parse(['--entity', 'contacts', '--out', 'x', '--format', 'xlsx'])).toThrow("--format must be one of csv, jsonl, got 'xlsx'");
  });
});
