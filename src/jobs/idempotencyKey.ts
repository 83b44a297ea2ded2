import type pg from 'pg';
import { checkText } from '../textInput.ts';
import { JOB_COLUMNS, type JobRecord } from './jobRecord.ts';

/** Trimmed idempotency key, or null; BAD_USER_INPUT when too long or holding control characters. */
export function idempotencyKeyOf(raw: string | null | undefined): string | null {
  const key = raw?.trim() || null;
  return key && checkText('idempotencyKey', key, 255);
}

/** The workspace's job started with this idempotency key, or null. */
export async function findByIdempotencyKey(pool: pg.Pool, workspaceId: string, key: string): Promise<JobRecord | null> {
  const { rows } = await pool.query<JobRecord>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE workspace_id = $1 AND idempotency_key = $2`, [workspaceId, key]);
  return rows[0] ?? null;
}
