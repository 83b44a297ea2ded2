import type pg from 'pg';
import { JOB_COLUMNS, type JobRecord } from '../jobRecord.ts';

/** The jobs with these ids, in one query (in no particular order; ids of deleted jobs are absent). */
export async function loadJobs(db: pg.Pool | pg.ClientBase, ids: readonly string[]): Promise<JobRecord[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<JobRecord>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = ANY($1::uuid[])`, [ids]);
  return rows;
}
