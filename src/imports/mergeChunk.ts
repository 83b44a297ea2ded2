import type pg from 'pg';
import { withTransaction } from '../db/pool.ts';
import { entityByName } from '../entities/registry.ts';
import type { JobRecord } from '../jobs/jobRecord.ts';
import { completeIfDone } from '../jobs/state/completeIfDone.ts';
import { JobNoLongerMine } from '../jobs/state/jobNoLongerMine.ts';
import { loadJob } from '../jobs/state/loadJob.ts';
import { recordMergedChunk } from '../jobs/state/recordMergedChunk.ts';
import type { TaskLease } from '../jobs/taskLease.ts';
import type { ImportMergePayload } from '../queue/tasks.ts';
import { ledgerTable } from './importLedger.ts';
import { mergeSql, plainInsertSql } from './mergeSql.ts';
import { StagingLost } from './stagingLost.ts';
import { stagingTables } from './stagingTables.ts';

interface MergeCounts {
  inserted: number;
  updated: number;
  rejected: number;
}

/**
 * Merges one staged chunk into the target table.
 *
 * INVARIANT (runs at least once, changes things at most once): the chunk's rows, its row errors,
 * the job's counters and the job_chunks mark commit in ONE transaction. A second run finds the
 * mark and does nothing; a run after the job was cancelled or failed rolls back entirely; a run by
 * a worker that lost its task (lease) commits nothing.
 * Returns the job after this chunk, or null when the chunk had already been merged.
 * Throws JobNoLongerMine when the job ended or the task was lost, StagingLost after a database crash.
 */
export async function mergeChunk(pool: pg.Pool, p: ImportMergePayload, lease: TaskLease): Promise<JobRecord | null> {
  return withTransaction(pool, async (db) => {
    await db.query('SET LOCAL synchronous_commit = off'); // idempotent: a lost commit is simply redone
    await lease.assertHeld(db);
    const marked = await db.query('INSERT INTO job_chunks (job_id, chunk) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING chunk', [p.jobId, p.chunk]);
    if (marked.rowCount === 0) return null; // merged by an earlier run
    const job = await loadJob(db, p.jobId);
    if (!job || job.status !== 'RUNNING' || job.kind !== 'IMPORT') throw new JobNoLongerMine('job-ended');

    const entity = entityByName(job.entity);
    const t = stagingTables(p.jobId);
    const presentColumns = job.options.columns ?? entity.columns.map((c) => c.name);
    const range = [p.fromRow, p.toRow];

    const not = p.deferred ? '' : 'NOT ';
    const counted = await db.query<{ n: number; rejected: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE NOT ok)::int AS rejected FROM ${t.rows} WHERE row_no BETWEEN $1 AND $2 AND ${not}deferred`,
      range,
    );
    // UNLOGGED staging is emptied by a PostgreSQL crash: never count rows that are not there.
    if (counted.rows[0].n !== p.rows) throw new StagingLost(p.jobId, `chunk ${p.chunk} has ${counted.rows[0].n} of its ${p.rows} rows`);
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
    // A dry run writes no ledger: everything it changes is rolled back.
    const ledger = job.dryRun ? null : ledgerTable(p.jobId);
    const merge = async () => {
      const plain = job.conflictsMet ? undefined : await tryPlainInsert(db, plainInsertSql(entity, t, p.deferred, ledger), params);
      return plain ?? (await db.query<MergeCounts>(mergeSql(entity, t, job.duplicateStrategy ?? 'SKIP', presentColumns, p.deferred, ledger), params)).rows[0];
    };
    const counts = job.dryRun ? await rolledBack(db, p, merge) : await merge();
    const failed = rejectedInStaging + counts.rejected;
    await recordMergedChunk(db, p.jobId, {
      processed,
      succeeded: processed - failed,
      failed,
      inserted: counts.inserted,
      updated: counts.updated,
      conflictsMet: counts.inserted < processed - rejectedInStaging,
    });
    return completeIfDone(db, p.jobId);
  });
}

/**
 * A dry run's merge: the very statements of a real one (so its counts and DUPLICATE_EXISTS errors
 * are exactly what the import would produce), then rolled back to a savepoint, keeping only the
 * row errors the merge wrote. INVARIANT: a dry run never leaves a row in the entity's table.
 */
async function rolledBack(db: pg.ClientBase, p: ImportMergePayload, merge: () => Promise<MergeCounts>): Promise<MergeCounts> {
  await db.query('SAVEPOINT dry_run');
  const counts = await merge();
  const written = await db.query(
    `SELECT "row", "column", code, message, value FROM job_row_errors WHERE job_id = $1 AND code = 'DUPLICATE_EXISTS' AND "row" BETWEEN $2 AND $3`,
    [p.jobId, p.fromRow, p.toRow],
  );
  await db.query('ROLLBACK TO SAVEPOINT dry_run');
  if (written.rows.length > 0) {
    await db.query(
      `INSERT INTO job_row_errors (job_id, "row", "column", code, message, value)
       SELECT $1, e."row", e."column", e.code, e.message, e.value FROM jsonb_to_recordset($2::jsonb) AS e("row" int, "column" text, code text, message text, value text)
       ON CONFLICT DO NOTHING`,
      [p.jobId, JSON.stringify(written.rows)],
    );
  }
  return counts;
}

/**
 * The fast path: a plain INSERT under a savepoint. Undefined when a key already exists (unique
 * violation): the savepoint is rolled back and the caller merges with ON CONFLICT instead.
 */
async function tryPlainInsert(db: pg.ClientBase, sql: string, params: unknown[]): Promise<MergeCounts | undefined> {
  await db.query('SAVEPOINT plain_insert');
  try {
    const r = await db.query<{ inserted: number }>(sql, params);
    await db.query('RELEASE SAVEPOINT plain_insert');
    return { inserted: r.rows[0].inserted, updated: 0, rejected: 0 };
  } catch (err) {
    if ((err as { code?: string }).code !== '23505') throw err;
    await db.query('ROLLBACK TO SAVEPOINT plain_insert');
    return undefined;
  }
}
