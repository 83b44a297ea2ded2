import type pg from 'pg';
import { withTransaction } from '../db/pool.ts';
import { entityByName } from '../entities/registry.ts';
import type { JobRecord } from '../jobs/jobRecord.ts';
import { completeIfDone } from '../jobs/state/completeIfDone.ts';
import { JobNoLongerMine } from '../jobs/state/jobNoLongerMine.ts';
import { loadJob } from '../jobs/state/loadJob.ts';
import { recordMergedChunk } from '../jobs/state/recordMergedChunk.ts';
import type { TaskLease } from '../jobs/taskLease.ts';
import { noMetrics, type MetricsPort } from '../observability/metricsPort.ts';
import type { ImportMergePayload } from '../queue/tasks.ts';
import { addUsage, lockUsage, rowsPastQuota } from '../workspaces/rowQuota.ts';
import { loadLimits, type LimitDefaults } from '../workspaces/workspaceLimits.ts';
import { ledgerTable } from './importLedger.ts';
import { mergeSql, plainInsertSql } from './mergeSql.ts';
import { StagingLost } from './stagingLost.ts';
import { storeRowErrors, type MergeRowError } from './storeRowErrors.ts';
import { stagingIntact, stagingTables } from './stagingTables.ts';

export interface MergeSettings {
  maxRowErrors: number;
  /** The service's default limits (a workspace's own limits override them). */
  limits: LimitDefaults;
}

interface MergeCounts {
  inserted: number;
  updated: number;
  rejected: number;
  /** FAIL: [row, key] of each row refused as DUPLICATE_EXISTS. */
  duplicates?: Array<[number, string]>;
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
 * The chunk's rows are counted in metrics after the commit, once: a run that finds the mark counts nothing.
 */
export async function mergeChunk(
  pool: pg.Pool,
  p: ImportMergePayload,
  lease: TaskLease,
  settings: MergeSettings,
  metrics: MetricsPort = noMetrics,
): Promise<JobRecord | null> {
  let merged: { entity: string; failed: number } | undefined;
  const job = await withTransaction(pool, async (db) => {
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

    // UNLOGGED staging is emptied by a PostgreSQL crash: never count rows (or errors) that are not there.
    const rejectedWhileStaging = p.rejected ?? 0;
    const not = p.deferred ? '' : 'NOT ';
    const counted = await db.query<{ n: number; duplicates: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE NOT ok)::int AS duplicates FROM ${t.rows} WHERE row_no BETWEEN $1 AND $2 AND ${not}deferred`,
      range,
    );
    if (!(await stagingIntact(db, t)) || counted.rows[0].n !== p.rows - rejectedWhileStaging) {
      throw new StagingLost(p.jobId, `chunk ${p.chunk} has ${counted.rows[0].n} of its ${p.rows - rejectedWhileStaging} staged rows`);
    }
    // Rows rejected while staging, and (deferred chunk) rows settled as duplicates in the file.
    const rejectedBefore = rejectedWhileStaging + counted.rows[0].duplicates;

    // The workspace's row limit: new rows past it are refused (QUOTA_EXCEEDED) before the merge sees them.
    const maxRows = (await loadLimits(db, settings.limits, job.workspaceId)).maxRows[entity.name];
    let refused: Array<{ row: number; key: string }> = [];
    if (maxRows != null) {
      const held = await lockUsage(db, job.workspaceId, entity.name);
      // A dry run's earlier chunks wrote nothing: what they would have inserted counts here, read
      // under the lock (not from `job`, loaded before it), as those chunks committed it.
      const dryRunInserted = job.dryRun ? (await db.query<{ n: number }>('SELECT inserted_rows AS n FROM jobs WHERE id = $1', [p.jobId])).rows[0].n : 0;
      const room = maxRows - held - dryRunInserted;
      refused = await rowsPastQuota(db, entity, t.rows, { fromRow: p.fromRow, toRow: p.toRow, deferred: p.deferred }, job.workspaceId, room);
      if (refused.length > 0) await db.query(`UPDATE ${t.rows} SET ok = false WHERE row_no = ANY($1::int[])`, [refused.map((r) => r.row)]);
    }

    const params = [p.jobId, ...range, job.workspaceId];
    // A dry run writes no ledger: everything it changes is rolled back.
    const ledger = job.dryRun ? null : ledgerTable(p.jobId);
    const merge = async () => {
      const plain = job.conflictsMet ? undefined : await tryPlainInsert(db, plainInsertSql(entity, t, p.deferred, ledger), params);
      return plain ?? (await db.query<MergeCounts>(mergeSql(entity, t, job.duplicateStrategy ?? 'SKIP', presentColumns, p.deferred, ledger), params)).rows[0];
    };
    const counts = job.dryRun ? await rolledBack(db, merge) : await merge();
    if (!job.dryRun) await addUsage(db, job.workspaceId, entity.name, counts.inserted);

    const mergeErrors: MergeRowError[] = [
      ...(counts.duplicates ?? []).map(([row, key]) => ({
        row,
        column: entity.key,
        code: 'DUPLICATE_EXISTS' as const,
        message: `${entity.key} '${key}' already exists`,
        value: key,
      })),
      ...refused.map(({ row, key }) => ({
        row,
        column: entity.key,
        code: 'QUOTA_EXCEEDED' as const,
        message: `the workspace may hold at most ${maxRows} ${entity.name.toLowerCase()}; this new row is past that limit`,
        value: key,
      })),
    ].sort((a, b) => a.row - b.row);
    const errors = await storeRowErrors(db, p, t, mergeErrors, settings.maxRowErrors);
    const failed = rejectedBefore + counts.rejected + refused.length;
    await recordMergedChunk(db, p.jobId, {
      processed: p.rows,
      succeeded: p.rows - failed,
      failed,
      inserted: counts.inserted,
      updated: counts.updated,
      conflictsMet: counts.inserted < p.rows - rejectedBefore - refused.length,
      storedErrors: errors.stored,
      errorsDropped: errors.dropped,
    });
    merged = { entity: entity.name, failed };
    return completeIfDone(db, p.jobId);
  });
  if (merged) metrics.rowsMerged(merged.entity, p.rows, merged.failed);
  return job;
}

/**
 * A dry run's merge: the very statements of a real one (so its counts and duplicates are exactly
 * what the import would produce), rolled back to a savepoint. INVARIANT: a dry run never leaves a row
 * in the entity's table (its row errors are stored afterwards, from what the merge returned).
 */
async function rolledBack(db: pg.ClientBase, merge: () => Promise<MergeCounts>): Promise<MergeCounts> {
  await db.query('SAVEPOINT dry_run');
  const counts = await merge();
  await db.query('ROLLBACK TO SAVEPOINT dry_run');
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
