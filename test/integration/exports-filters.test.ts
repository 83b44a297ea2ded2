import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportAndDownload, parseCsv, parseJsonl, requestExport } from '../helpers/exportClient.ts';
import { allJobIds } from '../helpers/graphqlClient.ts';
import { insertContacts, insertInvoices } from '../helpers/seedTables.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

/**
 * Which rows an export takes (filters) and which cells it writes (columns). The rows are written
 * with SQL so that created_at and updated_at can be set in the past and the filters mean something.
 */
describe('export filters and columns', () => {
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    t = await startTestApp();
    token = await t.token('filters');
    await t.token('intruder');
    await insertContacts(t.databaseUrl, 'filters', [
      { email: 'ann@example.com', first_name: 'Ann', last_name: 'Archer', company: 'Acme 100% Org', tags: ['vip'], created_at: '2023-01-10T12:00:00Z' },
      // created in 2023, changed in 2024: only updatedAfter tells it apart
      {
        email: 'bob@example.com',
        first_name: 'Bob',
        last_name: 'Baker',
        company: 'snake_case Ltd',
        tags: ['beta'],
        created_at: '2023-06-15T12:00:00Z',
        updated_at: '2024-03-01T12:00:00Z',
      },
      { email: 'cleo@example.com', first_name: 'Cleo', last_name: 'Chen', company: 'Tokyo 東京 KK', tags: ['vip', 'beta'], created_at: '2024-02-01T12:00:00Z' },
      {
        email: 'dan@example.com',
        first_name: 'Dan',
        last_name: 'Diaz',
        company: 'Acme 1000 Org',
        tags: [],
        created_at: '2024-08-20T12:00:00Z',
        updated_at: '2024-09-01T12:00:00Z',
      },
      { email: 'eve@example.com', first_name: 'Eve', last_name: 'SnakeXcase', company: 'Other Inc', tags: ['VIP'], created_at: '2022-05-05T12:00:00Z' },
    ]);
    // Another workspace's rows match every filter below: none of them may ever appear.
    await insertContacts(t.databaseUrl, 'intruder', [
      {
        email: 'zed@example.com',
        first_name: 'Zed',
        last_name: 'Snake_case',
        company: 'Acme 100% Org',
        tags: ['vip', 'beta'],
        created_at: '2024-02-01T12:00:00Z',
      },
    ]);
    await insertInvoices(t.databaseUrl, 'filters', [
      {
        number: 'INV-001',
        customer_name: 'Globex',
        customer_email: 'ap@globex.example',
        amount: '100.00',
        currency: 'EUR',
        issued_at: '2023-03-01',
        status: 'paid',
        created_at: '2023-03-01T09:00:00Z',
      },
      {
        number: 'INV-002',
        customer_name: 'Initech',
        amount: '250.50',
        currency: 'USD',
        issued_at: '2023-07-01',
        status: 'open',
        created_at: '2023-07-01T09:00:00Z',
      },
      {
        number: 'INV-003',
        customer_name: 'Globex 50% off',
        amount: '0.99',
        currency: 'EUR',
        issued_at: '2024-01-15',
        status: 'void',
        created_at: '2024-01-15T09:00:00Z',
      },
      {
        number: 'INV-004',
        customer_name: "Umbrella O'Neil",
        amount: '1234.50',
        status: 'draft',
        created_at: '2024-06-01T09:00:00Z',
        updated_at: '2024-07-01T09:00:00Z',
      },
      { number: 'INV-005', customer_name: 'No\\body', amount: '5.00', status: null, created_at: '2024-06-02T09:00:00Z' },
    ]);
    await insertInvoices(t.databaseUrl, 'intruder', [
      { number: 'INV-001', customer_name: 'Globex', amount: '1.00', status: 'paid', created_at: '2024-01-01T00:00:00Z' },
    ]);
  });
  afterAll(() => t?.stop());

  /** The exported values of one column, sorted (the contract does not fix the row order). */
  async function exported(entity: 'CONTACTS' | 'INVOICES', filter: Record<string, unknown>): Promise<string[]> {
    const column = entity === 'CONTACTS' ? 'email' : 'number';
    const { job, file } = await exportAndDownload(t.url, token, { entity, filter, columns: [column] });
    const rows = parseCsv(file.body);
    expect(rows[0]).toEqual([column]);
    expect(job.totalRows).toBe(rows.length - 1);
    return rows
      .slice(1)
      .map((r) => r[0])
      .sort();
  }

  async function exportJobCount(): Promise<number> {
    return (await allJobIds(t.url, token, { kind: 'EXPORT' })).length;
  }

  it('should export every row of the workspace and nothing of another workspace when no filter is given', async () => {
    expect(await exported('CONTACTS', {})).toEqual(['ann@example.com', 'bob@example.com', 'cleo@example.com', 'dan@example.com', 'eve@example.com']);
    expect(await exported('INVOICES', {})).toEqual(['INV-001', 'INV-002', 'INV-003', 'INV-004', 'INV-005']);
  });

  it('should export only rows created after createdAfter', async () => {
    expect(await exported('CONTACTS', { createdAfter: '2024-01-01T00:00:00Z' })).toEqual(['cleo@example.com', 'dan@example.com']);
    expect(await exported('INVOICES', { createdAfter: '2024-01-01T00:00:00Z' })).toEqual(['INV-003', 'INV-004', 'INV-005']);
  });

  it('should export only rows created before createdBefore', async () => {
    expect(await exported('CONTACTS', { createdBefore: '2024-01-01T00:00:00Z' })).toEqual(['ann@example.com', 'bob@example.com', 'eve@example.com']);
    expect(await exported('INVOICES', { createdBefore: '2023-12-31T00:00:00Z' })).toEqual(['INV-001', 'INV-002']);
  });

  it('should combine createdAfter and createdBefore into a window', async () => {
    expect(await exported('CONTACTS', { createdAfter: '2023-03-01T00:00:00Z', createdBefore: '2024-05-01T00:00:00Z' })).toEqual([
      'bob@example.com',
      'cleo@example.com',
    ]);
  });

  it('should export only rows updated after updatedAfter, including old rows changed recently', async () => {
    expect(await exported('CONTACTS', { updatedAfter: '2024-01-01T00:00:00Z' })).toEqual(['bob@example.com', 'cleo@example.com', 'dan@example.com']);
    expect(await exported('CONTACTS', { updatedAfter: '2024-08-25T00:00:00Z' })).toEqual(['dan@example.com']);
    expect(await exported('INVOICES', { updatedAfter: '2024-06-15T00:00:00Z' })).toEqual(['INV-004']);
  });

  it('should export contacts having at least one of the tagsAny tags', async () => {
    expect(await exported('CONTACTS', { tagsAny: ['vip'] })).toEqual(['ann@example.com', 'cleo@example.com']);
    expect(await exported('CONTACTS', { tagsAny: ['beta', 'no-such-tag'] })).toEqual(['bob@example.com', 'cleo@example.com']);
    expect(await exported('CONTACTS', { tagsAny: ['no-such-tag'] })).toEqual([]);
  });

  it('should export invoices whose status is in statusIn, compared case-insensitively', async () => {
    expect(await exported('INVOICES', { statusIn: ['PAID', 'Void'] })).toEqual(['INV-001', 'INV-003']);
    expect(await exported('INVOICES', { statusIn: ['draft'] })).toEqual(['INV-004']);
  });

  it('should match search as a case-insensitive substring of the main text fields', async () => {
    expect(await exported('CONTACTS', { search: 'ACME' })).toEqual(['ann@example.com', 'dan@example.com']);
    expect(await exported('CONTACTS', { search: 'snake' })).toEqual(['bob@example.com', 'eve@example.com']); // company and last_name
    expect(await exported('CONTACTS', { search: 'CLEO@EXAMPLE' })).toEqual(['cleo@example.com']); // email
    expect(await exported('CONTACTS', { search: '東京' })).toEqual(['cleo@example.com']);
    expect(await exported('INVOICES', { search: 'globex' })).toEqual(['INV-001', 'INV-003']); // customer_name and customer_email
    expect(await exported('INVOICES', { search: 'inv-00' })).toEqual(['INV-001', 'INV-002', 'INV-003', 'INV-004', 'INV-005']); // number
  });

  it('should take % and _ in search literally, not as wildcards', async () => {
    // As LIKE wildcards, '100%' would also match 'Acme 1000 Org' and 'snake_case' would match 'SnakeXcase'.
    expect(await exported('CONTACTS', { search: '100%' })).toEqual(['ann@example.com']);
    expect(await exported('CONTACTS', { search: 'snake_case' })).toEqual(['bob@example.com']);
    expect(await exported('CONTACTS', { search: '%' })).toEqual(['ann@example.com']);
    expect(await exported('CONTACTS', { search: '_' })).toEqual(['bob@example.com']);
    expect(await exported('INVOICES', { search: '50%' })).toEqual(['INV-003']);
  });

  it('should take a backslash and a quote in search literally', async () => {
    // As LIKE's escape character, a lone backslash would turn the closing % into a literal one and match '50% off'.
    expect(await exported('INVOICES', { search: '\\' })).toEqual(['INV-005']);
    expect(await exported('INVOICES', { search: 'o\\B' })).toEqual(['INV-005']);
    expect(await exported('INVOICES', { search: "o'neil" })).toEqual(['INV-004']);
  });

  it('should apply every given filter at once', async () => {
    expect(await exported('CONTACTS', { tagsAny: ['vip', 'beta'], createdAfter: '2023-03-01T00:00:00Z', search: 'chen' })).toEqual(['cleo@example.com']);
    expect(await exported('INVOICES', { statusIn: ['OPEN', 'PAID'], search: 'initech' })).toEqual(['INV-002']);
  });

  it('should reject tagsAny on invoices and statusIn on contacts as BAD_USER_INPUT without creating a job', async () => {
    const before = await exportJobCount();
    const tags = await requestExport(t.url, token, { entity: 'INVOICES', filter: { tagsAny: ['vip'] } });
    expect(tags.data).toBeNull();
    expect(tags.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(tags.errors?.[0].message).toMatch(/tagsAny/);
    const status = await requestExport(t.url, token, { entity: 'CONTACTS', filter: { statusIn: ['paid'] } });
    expect(status.data).toBeNull();
    expect(status.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(status.errors?.[0].message).toMatch(/statusIn/);
    expect(await exportJobCount()).toBe(before);
  });

  it('should write only the requested columns, in the requested order, in the header and in every row', async () => {
    const { file } = await exportAndDownload(t.url, token, { entity: 'CONTACTS', columns: ['company', 'email', 'tags'], filter: { tagsAny: ['vip'] } });
    const rows = parseCsv(file.body);
    expect(rows[0]).toEqual(['company', 'email', 'tags']);
    expect(rows.slice(1).sort((a, b) => a[1].localeCompare(b[1]))).toEqual([
      ['Acme 100% Org', 'ann@example.com', 'vip'],
      ['Tokyo 東京 KK', 'cleo@example.com', 'vip,beta'],
    ]);

    const invoices = parseCsv(
      (await exportAndDownload(t.url, token, { entity: 'INVOICES', columns: ['status', 'amount', 'number'], filter: { statusIn: ['draft', 'void'] } })).file
        .body,
    );
    expect(invoices[0]).toEqual(['status', 'amount', 'number']);
    expect(invoices.slice(1).sort((a, b) => a[2].localeCompare(b[2]))).toEqual([
      ['void', '0.99', 'INV-003'],
      ['draft', '1234.50', 'INV-004'],
    ]);
  });

  it('should write all columns in the entity order when columns is not given', async () => {
    const contacts = parseCsv((await exportAndDownload(t.url, token, { entity: 'CONTACTS', filter: { search: 'ann@' } })).file.body);
    expect(contacts).toEqual([
      ['email', 'first_name', 'last_name', 'phone', 'company', 'tags'],
      ['ann@example.com', 'Ann', 'Archer', '', 'Acme 100% Org', 'vip'],
    ]);
    const invoices = parseCsv((await exportAndDownload(t.url, token, { entity: 'INVOICES', filter: { search: 'INV-001' } })).file.body);
    expect(invoices).toEqual([
      ['number', 'customer_email', 'customer_name', 'amount', 'currency', 'issued_at', 'status'],
      ['INV-001', 'ap@globex.example', 'Globex', '100.00', 'EUR', '2023-03-01', 'paid'],
    ]);
  });

  it('should give JSONL objects the requested columns as keys, in the requested order', async () => {
    const { file } = await exportAndDownload(t.url, token, {
      entity: 'INVOICES',
      format: 'JSONL',
      columns: ['status', 'number'],
      filter: { statusIn: ['paid'] },
    });
    const lines = parseJsonl(file.body.toString('utf8'));
    expect(lines).toEqual([{ status: 'paid', number: 'INV-001' }]);
    expect(Object.keys(lines[0])).toEqual(['status', 'number']);
  });

  it('should reject an unknown column as BAD_USER_INPUT naming it, without creating a job', async () => {
    const before = await exportJobCount();
    const r = await requestExport(t.url, token, { entity: 'CONTACTS', columns: ['email', 'nickname'] });
    expect(r.data).toBeNull();
    expect(r.errors).toHaveLength(1);
    expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0].message).toContain('nickname');
    // A contacts column is unknown to invoices.
    const cross = await requestExport(t.url, token, { entity: 'INVOICES', columns: ['number', 'tags'] });
    expect(cross.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(cross.errors?.[0].message).toContain('tags');
    expect(await exportJobCount()).toBe(before);
  });
});
