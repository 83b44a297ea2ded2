import type pg from 'pg';
import { JOB_COLUMNS, type JobRecord } from '../jobRecord.ts';

export async function loadJob(db: pg.Pool | pg.ClientBase, jobId: string): Promise<JobRecord | null> {
  const { rows } = await db.query<JobRecord>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = $1`, [jobId]);
  return rows[0] ?? null;
}
