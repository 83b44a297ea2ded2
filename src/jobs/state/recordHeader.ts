import type pg from 'pg';
import type { ImportOptions } from '../jobOptions.ts';
import { assertStillRunning } from './jobNoLongerMine.ts';

/** Stores what the header row told (and the chunking it fixes) in a RUNNING import's options. */
export async function recordHeader(db: pg.Pool | pg.ClientBase, jobId: string, options: ImportOptions): Promise<void> {
  const r = await db.query(`UPDATE jobs SET options = options || $2::jsonb, updated_at = now() WHERE id = $1 AND status = 'RUNNING'`, [
    jobId,
    JSON.stringify(options),
  ]);
  assertStillRunning(r.rowCount);
}
