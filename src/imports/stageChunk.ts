import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { withTransaction } from '../db/pool.ts';
import type { EntityDefinition } from '../entities/entityDefinition.ts';
import type { StagingTables } from './stagingTables.ts';

/** One chunk of parsed rows, already encoded as COPY text lines. */
export interface StagedChunk {
  chunk: number;
  fromRow: number;
  toRow: number;
  rowCount: number;
  rowsCopy: string[];
  errsCopy: string[];
  /** Bytes of the file read when this chunk ended (for the progress estimate). */
  bytesRead: number;
}

export class JobNoLongerRunning extends Error {}

async function copyLines(db: pg.ClientBase, sql: string, lines: string[]): Promise<void> {
  if (lines.length === 0) return;
  const stream = db.query(copyFrom(sql));
  await pipeline(Readable.from([lines.join('')]), stream);
}

/**
 * Stages one chunk and queues its merge, in ONE transaction: the staged rows, their errors, the
 * in-file duplicate marks, the job's staging cursor and the merge task all commit together, so a
 * stage task that dies resumes after the last committed chunk without staging a row twice.
 */
export async function stageChunk(
  pool: pg.Pool,
  job: { id: string; maxAttempts: number },
  entity: EntityDefinition,
  t: StagingTables,
  c: StagedChunk,
): Promise<void> {
  const key = `"${entity.key}"`;
  await withTransaction(pool, async (db) => {
    const cols = entity.columns.map((col) => `"${col.name}"`).join(', ');
    await copyLines(db, `COPY ${t.rows} (row_no, ok, ${cols}) FROM STDIN`, c.rowsCopy);
    await copyLines(db, `COPY ${t.errs} (row_no, col, code, message, value) FROM STDIN`, c.errsCopy);
    // The first valid occurrence of a key claims it; staging runs in file order, so "first" is exact.
    await db.query(
      `INSERT INTO ${t.keys} (key, row_no)
       SELECT DISTINCT ON (${key}) ${key}, row_no FROM ${t.rows} WHERE row_no BETWEEN $1 AND $2 AND ok ORDER BY ${key}, row_no
       ON CONFLICT (key) DO NOTHING`,
      [c.fromRow, c.toRow],
    );
    await db.query(
      `WITH d AS (
         UPDATE ${t.rows} r SET ok = false FROM ${t.keys} k
         WHERE r.row_no BETWEEN $1 AND $2 AND r.ok AND k.key = r.${key} AND k.row_no <> r.row_no
         RETURNING r.row_no, r.${key}::text AS key, k.row_no AS first_row)
       INSERT INTO ${t.errs} (row_no, col, code, message, value)
       SELECT row_no, '${entity.key}', 'DUPLICATE_IN_FILE', '${entity.key} ''' || key || ''' already appears in row ' || first_row, key FROM d`,
      [c.fromRow, c.toRow],
    );
    const cursor = await db.query(
      `UPDATE jobs SET staged_chunks = staged_chunks + 1, staged_rows = staged_rows + $2, staged_bytes = $3, updated_at = now()
       WHERE id = $1 AND status = 'RUNNING'`,
      [job.id, c.rowCount, c.bytesRead],
    );
    if (cursor.rowCount === 0) throw new JobNoLongerRunning();
    await db.query(
      `SELECT graphile_worker.add_job('import_merge', $1::json, job_key := $2, max_attempts := $3)`,
      [JSON.stringify({ jobId: job.id, chunk: c.chunk, fromRow: c.fromRow, toRow: c.toRow }), `import:${job.id}:merge:${c.chunk}`, job.maxAttempts],
    );
  });
}
