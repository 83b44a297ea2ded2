import { buildCsv, CONTACTS_HEADER, contactRow } from './buildCsv.ts';
import { withDatabase } from './testDatabase.ts';

/**
 * A contacts file for crash tests: every 37th row has an invalid email, every 53rd repeats the email
 * of a row 1,500 rows earlier (an in-file duplicate far away, so the key filter defers it), the rest
 * are valid. The same file imported with and without a fault must end identically.
 */
export function faultyContactsCsv(rows: number): string {
  const lines = [];
  for (let i = 1; i <= rows; i++) {
    const row = contactRow(i, 'fault');
    if (i % 37 === 0) row[0] = `not-an-email-${i}`;
    else if (i % 53 === 0 && i > 1500) row[0] = contactRow(i - 1500, 'fault')[0];
    lines.push(row);
  }
  return buildCsv([CONTACTS_HEADER, ...lines]);
}

export interface ImportOutcome {
  status: string;
  counts: Record<string, number | null>;
  /** "row|column|code" of every row error, in row order. */
  errors: string[];
  /** md5 of the workspace's contacts (every column), in email order. */
  rowsDigest: string;
  rowCount: number;
}

/** What an import left behind, in a form two runs of the same file (in two workspaces) compare by. */
export function importOutcome(databaseUrl: string, jobId: string): Promise<ImportOutcome> {
  return withDatabase(databaseUrl, async (c) => {
    const job = (
      await c.query(
        `SELECT status, workspace_id, total_rows, processed_rows, succeeded_rows, failed_rows, inserted_rows, updated_rows, unchanged_rows FROM jobs WHERE id = $1`,
        [jobId],
      )
    ).rows[0];
    const errors = await c.query<{ e: string }>(
      `SELECT "row" || '|' || "column" || '|' || code AS e FROM job_row_errors WHERE job_id = $1 ORDER BY "row", "column"`,
      [jobId],
    );
    const rows = await c.query<{ digest: string; n: number }>(
      `SELECT md5(coalesce(string_agg(concat_ws('|', email, first_name, last_name, phone, company, array_to_string(tags, ',')), E'\\n' ORDER BY email), '')) AS digest,
              count(*)::int AS n
       FROM contacts WHERE workspace_id = $1`,
      [job.workspace_id],
    );
    const { status, workspace_id: _, ...counts } = job;
    return { status, counts, errors: errors.rows.map((r) => r.e), rowsDigest: rows.rows[0].digest, rowCount: rows.rows[0].n };
  });
}

export interface JobProgressRow {
  status: string;
  staged_chunks: number;
  total_chunks: number | null;
  merged_chunks: number;
  processed_rows: number;
}

export function jobProgressRow(databaseUrl: string, jobId: string): Promise<JobProgressRow> {
  return withDatabase(
    databaseUrl,
    async (c) =>
      (await c.query<JobProgressRow>(`SELECT status, staged_chunks, total_chunks, merged_chunks, processed_rows FROM jobs WHERE id = $1`, [jobId])).rows[0],
  );
}

/** The pids of the worker processes holding a task of this job, by task identifier (from their heartbeats). */
export function taskHolders(databaseUrl: string, jobId: string): Promise<Array<{ task: string; pid: number; poolId: string }>> {
  return withDatabase(databaseUrl, async (c) => {
    const r = await c.query<{ task: string; pid: number; pool_id: string }>(
      `SELECT j.task_identifier AS task, h.pid, h.pool_id FROM graphile_worker.jobs j
       JOIN graphile_worker._private_jobs p ON p.id = j.id
       JOIN worker_heartbeats h ON h.pool_id = j.locked_by
       WHERE p.payload->>'jobId' = $1`,
      [jobId],
    );
    return r.rows.map((row) => ({ task: row.task, pid: row.pid, poolId: row.pool_id }));
  });
}

/** Polls until check() returns a value (not undefined), or fails after timeoutMs naming what it waited for. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** The graphile-worker tasks queued or running for a job: identifier, payload, and whether run_at is still ahead. */
export function queuedTasks(databaseUrl: string, jobId: string): Promise<Array<{ task: string; payload: any; later: boolean }>> {
  return withDatabase(
    databaseUrl,
    async (c) =>
      (
        await c.query(
          `SELECT j.task_identifier AS task, p.payload, j.run_at > now() AS later
         FROM graphile_worker.jobs j JOIN graphile_worker._private_jobs p ON p.id = j.id WHERE p.payload->>'jobId' = $1`,
          [jobId],
        )
      ).rows,
  );
}
