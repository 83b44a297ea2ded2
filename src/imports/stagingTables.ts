import type pg from 'pg';
import type { EntityDefinition } from '../entities/entityDefinition.ts';

/**
 * Per-import staging tables in the `bulkport_staging` schema. UNLOGGED: they are rebuilt from the
 * stored file if lost, so they need no WAL. Dropped once the import ends.
 *   rows  (row_no PK, ok, <entity columns>)   every data row of the file; ok = false for rejected rows
 *   errs  (row_no, col, code, message, value)  row errors found while staging (validation, in-file duplicates)
 *   keys  (key PK, row_no)                     first valid occurrence of each key: in-file duplicate detection
 */
export interface StagingTables {
  rows: string;
  errs: string;
  keys: string;
}

export function stagingTables(jobId: string): StagingTables {
  const base = `bulkport_staging."j_${jobId.replace(/-/g, '')}`;
  return { rows: `${base}_rows"`, errs: `${base}_errs"`, keys: `${base}_keys"` };
}

/** Idempotent: a retried stage task finds the tables of its previous attempt and resumes. */
export async function createStagingTables(db: pg.Pool | pg.ClientBase, jobId: string, entity: EntityDefinition): Promise<StagingTables> {
  const t = stagingTables(jobId);
  const cols = entity.columns.map((c) => `"${c.name}" ${c.sqlType}`).join(', ');
  await db.query(`CREATE UNLOGGED TABLE IF NOT EXISTS ${t.rows} (row_no int PRIMARY KEY, ok boolean NOT NULL, ${cols})`);
  await db.query(`CREATE UNLOGGED TABLE IF NOT EXISTS ${t.errs} (row_no int NOT NULL, col text NOT NULL, code text NOT NULL, message text NOT NULL, value text)`);
  await db.query(`CREATE INDEX IF NOT EXISTS "j_${jobId.replace(/-/g, '')}_errs_row" ON ${t.errs} (row_no)`);
  const keyType = entity.columns.find((c) => c.name === entity.key)?.sqlType ?? 'text';
  await db.query(`CREATE UNLOGGED TABLE IF NOT EXISTS ${t.keys} (key ${keyType} PRIMARY KEY, row_no int NOT NULL)`);
  return t;
}

export async function dropStagingTables(db: pg.Pool | pg.ClientBase, jobId: string): Promise<void> {
  const t = stagingTables(jobId);
  await db.query(`DROP TABLE IF EXISTS ${t.rows}, ${t.errs}, ${t.keys}`);
}

