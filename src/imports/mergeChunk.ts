import type pg from 'pg';
import { withTransaction } from '../db/pool.ts';
import { entityByName } from '../entities/registry.ts';
import type { JobRecord } from '../jobs/jobRecord.ts';
import { loadJob, settleJob } from '../jobs/jobTransitions.ts';
import { mergeSql } from './mergeSql.ts';
import { stagingTables } from './stagingTables.ts';

export interface MergeChunkPayload {
  jobId: string;
  chunk: number;
  fromRow: number;
  toRow: number;
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

      const counted = await db.query<{ rows: number; rejected: number }>(
        `SELECT count(*)::int AS rows, count(*) FILTER (WHERE NOT ok)::int AS rejected FROM ${t.rows} WHERE row_no BETWEEN $1 AND $2`,
        range,
      );
      const { rows: processed, rejected: rejectedInStaging } = counted.rows[0];
      await db.query(
        `INSERT INTO job_row_errors (job_id, "row", "column", code, message, value)
         SELECT $1, row_no, col, code, message, value FROM ${t.errs} WHERE row_no BETWEEN $2 AND $3
         ON CONFLICT DO NOTHING`,
        [p.jobId, ...range],
      );
      const merged = await db.query<{ inserted: number; updated: number; rejected: number }>(
        mergeSql(entity, t, job.duplicateStrategy ?? 'SKIP', presentColumns),
        [p.jobId, ...range, job.workspaceId],
      );
      const { inserted, updated, rejected } = merged.rows[0];
      const failed = rejectedInStaging + rejected;
      const succeeded = processed - failed;

      const counters = await db.query(
        `UPDATE jobs SET processed_rows = processed_rows + $2, succeeded_rows = succeeded_rows + $3,
           failed_rows = failed_rows + $4, inserted_rows = inserted_rows + $5, updated_rows = updated_rows + $6,
           unchanged_rows = unchanged_rows + $7, merged_chunks = merged_chunks + 1
         WHERE id = $1 AND status = 'RUNNING'`,
        [p.jobId, processed, succeeded, failed, inserted, updated, succeeded - inserted - updated],
      );
      if (counters.rowCount === 0) throw new JobNotRunning('job ended during the merge');
      return settleJob(db, p.jobId);
    });
  } catch (err) {
    if (err instanceof JobNotRunning) return null;
    throw err;
  }
}
