import type pg from 'pg';
import { withTransaction } from '../db/pool.ts';
import { expandLedger, ledgerExists, ledgerTable } from '../imports/importLedger.ts';
import type { JobRecord, RevertJob } from '../jobs/jobRecord.ts';
import { PermanentFailure } from '../jobs/permanentFailure.ts';
import { completeIfDone } from '../jobs/state/completeIfDone.ts';
import { recordRevertPlan } from '../jobs/state/recordRevertPlan.ts';
import { HandBack, type TaskLease } from '../jobs/taskLease.ts';
import { revertChunk } from './revertChunk.ts';

/**
 * Undoes an import from its ledger, chunk by chunk, in row order: each chunk commits by itself (with
 * its mark), so a revert interrupted anywhere resumes after its last committed chunk.
 * Returns the revert job as it ended.
 */
export async function runRevert(
  deps: { pool: pg.Pool; chunkSize: number; onProgress: (job: JobRecord) => Promise<void> },
  revert: RevertJob,
  lease: TaskLease,
): Promise<JobRecord | null> {
  const importJobId = revert.revertsJobId!;
  const chunkSize = revert.options.chunkSize ?? deps.chunkSize;
  if (!(await ledgerExists(deps.pool, importJobId))) {
    throw new PermanentFailure('the undo record of this import no longer exists (deleted after FILE_RETENTION_DAYS): it cannot be reverted');
  }
  const ledger = ledgerTable(importJobId);
  await expandLedger(deps.pool, importJobId);
  // The ledger is written without an index (cheap appends during the import); a revert reads it by row.
  await deps.pool.query(`CREATE INDEX IF NOT EXISTS "${ledger.split('"')[1]}_row" ON ${ledger} (row_no)`);
  const { rows } = await deps.pool.query<{ first: number | null; last: number | null; n: number }>(
    `SELECT min(row_no) AS first, max(row_no) AS last, count(*)::int AS n FROM ${ledger}`,
  );
  const { first, last, n } = rows[0];
  const chunks = first === null || last === null ? 0 : Math.ceil((last - first + 1) / chunkSize);
  await recordRevertPlan(deps.pool, revert.id, n, chunks, chunkSize);
  let latest: JobRecord | null = revert;
  for (let chunk = 0; chunk < chunks; chunk++) {
    if (lease.stopRequested) throw new HandBack();
    const fromRow = first! + chunk * chunkSize;
    const done = await revertChunk(deps.pool, revert, importJobId, { chunk, fromRow, toRow: fromRow + chunkSize - 1 }, lease);
    if (done) {
      latest = done;
      await deps.onProgress(done);
    }
  }
  // An empty ledger (the import wrote nothing), or a retry that found every chunk done.
  if (chunks === 0 || latest === revert) return withTransaction(deps.pool, (db) => completeIfDone(db, revert.id));
  return latest;
}
