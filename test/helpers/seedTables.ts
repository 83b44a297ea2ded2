import { storedFiles } from './storedFiles.ts';
import { withDatabase } from './testDatabase.ts';

/**
 * Rows written straight into a test file's database (t.databaseUrl), for exports: what is exported
 * is whatever the tables hold, and SQL can set what the API never lets a client set (created_at,
 * updated_at, completed_at) or seed 300,000 rows in a second.
 */

/** The id of a workspace by name (it exists once a token has been created for it). */
export function workspaceIdOf(databaseUrl: string, workspace: string): Promise<string> {
  return withDatabase(databaseUrl, async (c) => {
    const r = await c.query<{ id: string }>(`SELECT id FROM workspaces WHERE name = $1`, [workspace]);
    if (r.rows.length === 0) throw new Error(`no workspace '${workspace}': create a token for it first`);
    return r.rows[0].id;
  });
}

export interface ContactSeed {
  email: string;
  first_name: string;
  last_name?: string;
  phone?: string | null;
  company?: string | null;
  tags?: string[];
  created_at?: string;
  updated_at?: string;
}

/** Inserts contacts as given (timestamps default to now()). */
export async function insertContacts(databaseUrl: string, workspace: string, rows: ContactSeed[]): Promise<void> {
  const ws = await workspaceIdOf(databaseUrl, workspace);
  await withDatabase(databaseUrl, async (c) => {
    for (const r of rows) {
      await c.query(
        `INSERT INTO contacts (workspace_id, email, first_name, last_name, phone, company, tags, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, COALESCE($8::timestamptz, now()), COALESCE($9::timestamptz, $8::timestamptz, now()))`,
        [ws, r.email, r.first_name, r.last_name ?? '', r.phone ?? null, r.company ?? null, r.tags ?? [], r.created_at ?? null, r.updated_at ?? null],
      );
    }
  });
}

/**
 * `count` contacts in one INSERT … SELECT generate_series: `<prefix><n>@example.com`, first name
 * `First<n>`, the given company; ids (and so export order) follow n.
 */
export async function seedManyContacts(databaseUrl: string, workspace: string, count: number, opts: { prefix?: string; company?: string } = {}): Promise<void> {
  const ws = await workspaceIdOf(databaseUrl, workspace);
  await withDatabase(databaseUrl, (c) =>
    c.query(
      `INSERT INTO contacts (workspace_id, email, first_name, last_name, phone, company, tags)
       SELECT $1, $2 || n || '@example.com', 'First' || n, 'Last' || n, '+1 555 ' || lpad(n::text, 7, '0'), $4, ARRAY['bulk']
       FROM generate_series(1, $3::int) AS n ORDER BY n`,
      [ws, opts.prefix ?? 'bulk', count, opts.company ?? 'OLD'],
    ),
  );
}

export interface InvoiceSeed {
  number: string;
  customer_email?: string | null;
  customer_name: string;
  amount: string;
  currency?: string | null;
  issued_at?: string | null;
  status?: string | null;
  created_at?: string;
  updated_at?: string;
}

export async function insertInvoices(databaseUrl: string, workspace: string, rows: InvoiceSeed[]): Promise<void> {
  const ws = await workspaceIdOf(databaseUrl, workspace);
  await withDatabase(databaseUrl, async (c) => {
    for (const r of rows) {
      await c.query(
        `INSERT INTO invoices (workspace_id, number, customer_email, customer_name, amount, currency, issued_at, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, COALESCE($9::timestamptz, now()), COALESCE($10::timestamptz, $9::timestamptz, now()))`,
        [
          ws,
          r.number,
          r.customer_email ?? null,
          r.customer_name,
          r.amount,
          r.currency ?? null,
          r.issued_at ?? null,
          r.status ?? null,
          r.created_at ?? null,
          r.updated_at ?? null,
        ],
      );
    }
  });
}

/** An invoice as the tests compare it: amount as text with its two decimals, issued_at as YYYY-MM-DD. */
export interface StoredInvoice {
  number: string;
  customer_email: string | null;
  customer_name: string;
  amount: string;
  currency: string | null;
  issued_at: string | null;
  status: string | null;
}

/** The workspace's invoices keyed by number. */
export function invoicesOf(databaseUrl: string, workspace: string): Promise<Map<string, StoredInvoice>> {
  return withDatabase(databaseUrl, async (c) => {
    const r = await c.query<StoredInvoice>(
      `SELECT number, customer_email, customer_name, amount::text AS amount, currency, to_char(issued_at, 'YYYY-MM-DD') AS issued_at, status
       FROM invoices JOIN workspaces w ON w.id = invoices.workspace_id WHERE w.name = $1 ORDER BY number`,
      [workspace],
    );
    return new Map(r.rows.map((row) => [row.number, row]));
  });
}

/**
 * Every column of a table's rows in one workspace, timestamps at full precision, in id order:
 * two calls compare equal only if no row was inserted, deleted or touched in between.
 */
export function tableContent(databaseUrl: string, table: 'contacts' | 'invoices', workspace: string): Promise<Record<string, unknown>[]> {
  return withDatabase(databaseUrl, async (c) => {
    const r = await c.query(
      `SELECT t.*, t.created_at::text AS created_at, t.updated_at::text AS updated_at
       FROM "${table}" t JOIN workspaces w ON w.id = t.workspace_id WHERE w.name = $1 ORDER BY t.id`,
      [workspace],
    );
    return r.rows;
  });
}

/** Files of the blob store under exports/ (published results and *.partial temporaries alike). */
export function exportFilesIn(storageDir: string): string[] {
  return storedFiles(storageDir).filter((f) => f.startsWith('exports/'));
}
