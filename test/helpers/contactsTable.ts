import { withDatabase } from './testDatabase.ts';

/** A row of the contacts table as the tests compare it. */
export interface StoredContact {
  email: string;
  first_name: string;
  last_name: string;
  phone: string | null;
  company: string | null;
  tags: string[] | null;
}

/** Rows of the contacts table in one workspace (by name): the ground truth an import is checked against. */
export function countContacts(databaseUrl: string, workspace: string): Promise<number> {
  return withDatabase(databaseUrl, async (c) => {
    const r = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM contacts JOIN workspaces w ON w.id = contacts.workspace_id WHERE w.name = $1`, [
      workspace,
    ]);
    return r.rows[0].n;
  });
}

/** The workspace's contacts keyed by email. */
export function contactsOf(databaseUrl: string, workspace: string): Promise<Map<string, StoredContact>> {
  return withDatabase(databaseUrl, async (c) => {
    const r = await c.query<StoredContact>(
      `SELECT email, first_name, last_name, phone, company, tags
       FROM contacts JOIN workspaces w ON w.id = contacts.workspace_id WHERE w.name = $1 ORDER BY email`,
      [workspace],
    );
    return new Map(r.rows.map((row) => [row.email, row]));
  });
}
