import type pg from 'pg';
import { withTransaction } from '../db/pool.ts';
import { entityByName } from '../entities/registry.ts';
import { ledgerTable } from '../imports/importLedger.ts';
import type { JobRecord } from '../jobs/jobRecord.ts';
import { completeIfDone } from '../jobs/state/completeIfDone.ts';
import { recordRevertedChunk } from '../jobs/state/recordRevertedChunk.ts';
import type { TaskLease } from '../jobs/taskLease.ts';
import { addUsage } from '../workspaces/rowQuota.ts';
import { revertChunkSql } from './revertSql.ts';

export interface RevertChunk {
  chunk: number;
  fromRow: number;
  toRow: number;
}

/**
 * Reverts one chunk of an import's ledger.
 * INVARIANT (as a merge): the entity rows, the row errors, the revert job's counters and its
 * job_chunks mark commit in ONE transaction; a chunk that runs twice finds its mark and does nothing.
 * Returns the revert job after this chunk, or null when the chunk was already done.
 */
export async function revertChunk(pool: pg.Pool, revert: JobRecord, importJobId: string, c: RevertChunk, lease: TaskLease): Promise<JobRecord | null> {
  const entity = entityByName(revert.entity);
  return withTransaction(pool, async (db) => {
    await lease.assertHeld(db);
    const marked = await db.query('INSERT INTO job_chunks (job_id, chunk) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING chunk', [revert.id, c.chunk]);
    if (marked.rowCount === 0) return null;
    const { rows } = await db.query<{ processed: number; deleted: number; restored: number; kept: number }>(revertChunkSql(entity, ledgerTable(importJobId)), [
      revert.id,
      importJobId,
      c.fromRow,
      c.toRow,
      revert.workspaceId,
    ]);
    await addUsage(db, revert.workspaceId, entity.name, -rows[0].deleted);
    await recordRevertedChunk(db, revert.id, rows[0]);
    return completeIfDone(db, revert.id);
  });
}
