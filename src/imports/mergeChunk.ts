import type pg from 'pg';
import { withTransaction } from '../db/pool.ts';
import { entityByName } from '../entities/registry.ts';
import type { JobRecord } from '../jobs/jobRecord.ts';
import { loadJob, settleJob } from '../jobs/jobTransitions.ts';
import { mergeSql, plainInsertSql } from './mergeSql.ts';
import { stagingTables } from './stagingTables.ts';

export interface MergeChunkPayload {
  jobId: string;
  chunk: number;
  fromRow: number;
  toRow: number;
  /** Data rows this merge takes (a check that staging still holds them). */
  rows: number;
  /** false: the chunk's own rows; true: the rows the key filter deferred, settled after staging. */
  deferred: boolean;
}

interface MergeCounts {
  inserted: number;
  updated: number;
  rejected: number;
}

class JobNotRunning extends Error {}

/**
 * Merges one staged chunk into the target table.
 *
 * INVARIANT (runs at least once, changes things at most once): the chunk's rows, its row errors,
 * the job's counters and the job_chunks mark commit in ONE transaction. A second run finds the
 * mark and does nothing; a run after the job was cancelled or failed rolls back entirely.
 * Returns the job after this chunk, or null when nothing was committed.
 */
export async function mergeChunk(pool: pg.Pool, p: MergeChunkPayload): Promise<JobRecord | null> {
  try {
    return await withTransaction(pool, async (db) => {
      await db.query('SET LOCAL synchronous_commit = off'); // idempotent: a lost commit is simply redone
      const marked = await db.query(
        'INSERT INTO job_chunks (job_id, chunk) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING chunk',
        [p.jobId, p.chunk],
      );
      if (marked.rowCount === 0) throw new JobNotRunning('chunk already merged');
      const job = await loadJob(db, p.jobId);
      if (!job || job.status !== 'RUNNING') throw new JobNotRunning('job is not running');

      const entity = entityByName(job.entity);
      const t = stagingTables(p.jobId);
      const presentColumns = ((job.options as { columns?: string[] }).columns ?? entity.columns.map((c) => c.name));
      const range = [p.fromRow, p.toRow];

      const not = p.deferred ? '' : 'NOT ';
      const counted = await db.query<{ n: number; rejected: number }>(
        `SELECT count(*)::int AS n, count(*) FILTER (WHERE NOT ok)::int AS rejected FROM ${t.rows} WHERE row_no BETWEEN $1 AND $2 AND ${not}deferred`,
        range,
      );
      if (counted.rows[0].n !== p.rows) {
        // UNLOGGED staging is emptied by a PostgreSQL crash: never count rows that are not there.
        throw new Error(`staged rows of chunk ${p.chunk} are missing (${counted.rows[0].n} of ${p.rows}): PostgreSQL lost the staging tables, import the file again`);
      }
      const processed = p.rows;
      const rejectedInStaging = counted.rows[0].rejected;
      await db.query(
        `INSERT INTO job_row_errors (job_id, "row", "column", code, message, value)
         SELECT $1, e.row_no, e.col, e.code, e.message, e.value FROM ${t.errs} e JOIN ${t.rows} r USING (row_no)
         WHERE e.row_no BETWEEN $2 AND $3 AND ${not}r.deferred
         ON CONFLICT DO NOTHING`,
        [p.jobId, ...range],
      );
      const params = [p.jobId, ...range, job.workspaceId];
      let counts = job.conflictsMet ? undefined : await tryPlainInsert(db, plainInsertSql(entity, t, p.deferred), params);
      if (!counts) {
        counts = (await db.query<MergeCounts>(mergeSql(entity, t, job.duplicateStrategy ?? 'SKIP', presentColumns, p.deferred), params)).rows[0];
      }
      const { inserted, updated, rejected } = counts;
      const failed = rejectedInStaging + rejected;
      const succeeded = processed - failed;

      const counters = await db.query(
        `UPDATE jobs SET processed_rows = processed_rows + $2, succeeded_rows = succeeded_rows + $3,
           failed_rows = failed_rows + $4, inserted_rows = inserted_rows + $5, updated_rows = updated_rows + $6,
           unchanged_rows = unchanged_rows + $7, merged_chunks = merged_chunks + 1, conflicts_met = conflicts_met OR $8
         WHERE id = $1 AND status = 'RUNNING'`,
        [p.jobId, processed, succeeded, failed, inserted, updated, succeeded - inserted - updated, inserted < processed - rejectedInStaging],
      );
      if (counters.rowCount === 0) throw new JobNotRunning('job ended during the merge');
      return settleJob(db, p.jobId);
    });
  } catch (err) {
    if (err instanceof JobNotRunning) return null;
    throw err;
  }
}

/**
 * The fast path: a plain INSERT under a savepoint. Null when a key already exists (unique
 * violation): the savepoint is rolled back and the caller merges with ON CONFLICT instead.
 */
async function tryPlainInsert(db: pg.ClientBase, sql: string, params: unknown[]): Promise<MergeCounts | undefined> {
  await db.query('SAVEPOINT plain_insert');
  try {
    const r = await db.query(sql, params);
    await db.query('RELEASE SAVEPOINT plain_insert');
    return { inserted: r.rowCount ?? 0, updated: 0, rejected: 0 };
  } catch (err) {
    if ((err as { code?: string }).code !== '23505') throw err;
    await db.query('ROLLBACK TO SAVEPOINT plain_insert');
    return undefined;
  }
}
