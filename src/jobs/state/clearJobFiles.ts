import type pg from 'pg';

export interface JobFiles {
  id: string;
  fileKey: string | null;
  resultKey: string | null;
}

/** Ended jobs whose files are older than the retention period, oldest first. */
export async function jobsPastRetention(db: pg.Pool, retentionDays: number, limit: number): Promise<JobFiles[]> {
  const { rows } = await db.query<JobFiles>(
    `SELECT id, file_key AS "fileKey", result_key AS "resultKey" FROM jobs
     WHERE status IN ('COMPLETED', 'FAILED', 'CANCELLED') AND completed_at < now() - make_interval(days => $1)
       AND (file_key IS NOT NULL OR result_key IS NOT NULL)
     ORDER BY completed_at LIMIT $2`,
    [retentionDays, limit],
  );
  return rows;
}

/** Forgets a job's files once they are deleted from the store (files first: never an orphan file). */
export async function clearJobFiles(db: pg.Pool, jobId: string): Promise<void> {
  await db.query(`UPDATE jobs SET file_key = NULL, result_key = NULL, updated_at = now() WHERE id = $1`, [jobId]);
}
