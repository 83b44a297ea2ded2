import type pg from 'pg';
import type { EntityDefinition } from '../entities/entityDefinition.ts';
import { copyInto } from './copyInto.ts';

/**
 * Per-import staging tables in the `bulkport_staging` schema. UNLOGGED: they are rebuilt from the
 * stored file if lost, so they need no WAL. Dropped once the import ends.
 *   rows  (row_no PK, ok, deferred, <entity columns>)  the VALID data rows of the file (rejected rows
 *         are counted by their chunk, not staged); ok = false once found a duplicate in the file;
 *         deferred = its key may have appeared earlier (see keyFilter.ts). Row 0 is a sentinel.
 *   errs  (row_no, col, code, message, value, deferred) row errors found while staging (deferred:
 *         settled after staging, merged by the deferred chunk)
 *
 * UNLOGGED tables are emptied by a PostgreSQL crash (not by a clean restart), all at once: the
 * sentinel row 0, written when staging starts, is how the stage task and the merges tell "lost" from
 * "nothing staged" (a chunk of rejected rows stages none), and a lost staging table is rebuilt from
 * the stored file (StagingLost, stagingPlan.ts), never counted silently.
 */
export interface StagingTables {
  rows: string;
  errs: string;
}

export function stagingTables(jobId: string): StagingTables {
  const base = `bulkport_staging."j_${jobId.replace(/-/g, '')}`;
  return { rows: `${base}_rows"`, errs: `${base}_errs"` };
}

/** Idempotent: a retried stage task finds the tables of its previous attempt and resumes. */
export async function createStagingTables(db: pg.Pool | pg.ClientBase, jobId: string, entity: EntityDefinition): Promise<StagingTables> {
  const t = stagingTables(jobId);
  // The key is compared bytewise (COLLATE "C"): equality is all duplicate detection needs.
  const cols = entity.columns.map((c) => `"${c.name}" ${c.sqlType}${c.name === entity.key && c.sqlType === 'text' ? ' COLLATE "C"' : ''}`).join(', ');
  await db.query(`CREATE UNLOGGED TABLE IF NOT EXISTS ${t.rows} (row_no int PRIMARY KEY, ok boolean NOT NULL, deferred boolean NOT NULL, ${cols})`);
  // The deferred rows are a few per million, read only after staging (settleDeferred, the deferred
  // chunk's merge), serially at the import's end: without this index most of those reads scanned the
  // whole staging table (looking up the keys' earlier rows still does, once). COPY pays nothing for
  // the rows it does not index.
  await db.query(`CREATE INDEX IF NOT EXISTS "j_${jobId.replace(/-/g, '')}_deferred" ON ${t.rows} (row_no) WHERE deferred`);
  await db.query(
    `CREATE UNLOGGED TABLE IF NOT EXISTS ${t.errs} (row_no int NOT NULL, col text NOT NULL, code text NOT NULL, message text NOT NULL, value text, deferred boolean NOT NULL DEFAULT false)`,
  );
  await db.query(`CREATE INDEX IF NOT EXISTS "j_${jobId.replace(/-/g, '')}_errs_row" ON ${t.errs} (row_no)`);
  return t;
}

export async function dropStagingTables(db: pg.Pool | pg.ClientBase, jobId: string): Promise<void> {
  const t = stagingTables(jobId);
  await db.query(`DROP TABLE IF EXISTS ${t.rows}, ${t.errs}`);
}

/** Writes the sentinel row 0: staging is in use. Call only after deciding whether it was lost. */
export async function markStagingInUse(db: pg.Pool | pg.ClientBase, t: StagingTables): Promise<void> {
  await db.query(`INSERT INTO ${t.rows} (row_no, ok, deferred) VALUES (0, false, false) ON CONFLICT DO NOTHING`);
}

/** False when a crash emptied the staging table since markStagingInUse (one index probe). */
export async function stagingIntact(db: pg.Pool | pg.ClientBase, t: StagingTables): Promise<boolean> {
  const { rows } = await db.query<{ some: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${t.rows} WHERE row_no = 0) AS some`);
  return rows[0].some;
}

/** COPY lines (row_no, ok, deferred, <entity columns>) into the staging rows table. */
export async function copyStagedRows(db: pg.ClientBase, t: StagingTables, entity: EntityDefinition, lines: Buffer | string): Promise<void> {
  const cols = entity.columns.map((c) => `"${c.name}"`).join(', ');
  await copyInto(db, `COPY ${t.rows} (row_no, ok, deferred, ${cols}) FROM STDIN`, lines);
}

/** COPY lines (row_no, col, code, message, value) into the staging errors table. */
export async function copyStagedErrors(db: pg.ClientBase, t: StagingTables, lines: string): Promise<void> {
  await copyInto(db, `COPY ${t.errs} (row_no, col, code, message, value) FROM STDIN`, lines);
}
