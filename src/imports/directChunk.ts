import type pg from 'pg';
import type { ImportJob, JobRecord } from '../jobs/jobRecord.ts';
import { completeIfDone } from '../jobs/state/completeIfDone.ts';
import { JobNoLongerMine } from '../jobs/state/jobNoLongerMine.ts';
import { loadJob } from '../jobs/state/loadJob.ts';
import { recordMergedChunk } from '../jobs/state/recordMergedChunk.ts';
import { recordStagedChunk } from '../jobs/state/recordStagedChunk.ts';
import { addUsage } from '../workspaces/rowQuota.ts';
import { loadLimits, type LimitDefaults } from '../workspaces/workspaceLimits.ts';
import type { ChunkBuffer } from './chunkBuffer.ts';
import { copyInto } from './copyInto.ts';
import { ledgerTable } from './importLedger.ts';
import { copyStagedErrors, copyStagedRows, type StagingTables } from './stagingTables.ts';
import { storeRowErrors } from './storeRowErrors.ts';

/** Why PostgreSQL refused a direct chunk's COPY: SQLSTATE 23505 (a key exists) is the expected one. */
export interface DirectRefusal {
  code: string | null;
  message: string;
}

export interface DirectSettings {
  maxRowErrors: number;
  limits: LimitDefaults;
}

/**
 * Whether a job's chunks may try the direct path at all: a dry run writes nothing, an import that
 * has met an existing key merges, and a row quota is decided row by row under its lock (mergeChunk).
 */
export async function directAllowed(db: pg.Pool | pg.ClientBase, job: ImportJob, limits: LimitDefaults): Promise<boolean> {
  if (job.dryRun || job.conflictsMet) return false;
  return (await loadLimits(db, limits, job.workspaceId)).maxRows[job.entity] == null;
}

/**
 * Stages AND merges one chunk at once: its undeferred rows are COPied straight into the entity's
 * table, which spares PostgreSQL writing them to staging and reading them back. Runs inside the
 * stage task's chunk transaction (see stageChunk.ts) and returns the job after it; or null, having
 * changed nothing, when the chunk must take the staging path instead: { refused } when the COPY was
 * refused (a key of the chunk already exists, a unique violation, or another reason), null when the
 * import has met an existing key already or the workspace got a row limit.
 *
 * INVARIANT (as mergeChunk's): the rows, their ledger entries, the row errors, the job's staging and
 * merge counters, the workspace usage and the job_chunks mark commit in ONE transaction; the chunk
 * is never queued for a merge, so nothing can merge it twice. Its rows stay findable for the filter
 * and for settling deferred duplicates by (workspace_id, import_job_id, import_row).
 * Throws JobNoLongerMine when the job is no longer RUNNING.
 */
export async function mergeDirect(
  db: pg.ClientBase,
  job: ImportJob,
  t: StagingTables,
  c: ChunkBuffer,
  s: DirectSettings,
): Promise<{ job: JobRecord | null } | { refused: DirectRefusal } | null> {
  const current = await loadJob(db, job.id);
  if (!current || current.status !== 'RUNNING' || current.kind !== 'IMPORT') throw new JobNoLongerMine('job-ended');
  if (!(await directAllowed(db, current as ImportJob, s.limits))) return null;

  const entity = c.entity;
  const cols = entity.columns.map((col) => `"${col.name}"`).join(', ');
  const inserted = c.undeferredCount;
  const sequence = `pg_get_serial_sequence('"${entity.table}"', 'id')`;
  await db.query('SAVEPOINT direct_chunk');
  // The id sequence's value just before the COPY: see the ledger below.
  const before = inserted > 0 ? (await db.query<{ v: string }>(`SELECT nextval(${sequence})::text AS v`)).rows[0].v : null;
  try {
    const format = c.directFormat!;
    if (inserted > 0)
      await copyInto(
        db,
        `COPY "${entity.table}" (workspace_id, import_job_id, import_row, ${cols}) FROM STDIN${format.copyOptions}`,
        format.copyData(c.directRows()),
      );
  } catch (err) {
    // Usually a unique violation (a key exists); any other refusal (a constraint, a bad value) is
    // left to the chunk's merge, whose retries and error reporting are the import's usual ones.
    await db.query('ROLLBACK TO SAVEPOINT direct_chunk');
    const e = err as { code?: unknown; message?: unknown };
    return { refused: { code: typeof e.code === 'string' ? e.code : null, message: String(e.message ?? err) } };
  }
  // The savepoint is left to the commit to release: one round trip less per chunk (the stage task's
  // chunks are serial, so every round trip is time PostgreSQL waits for the next chunk).
  if (inserted > 0 && !(await ledgerFromSequence(db, job.id, sequence, before!, c, inserted))) {
    // The rows this transaction inserted: created_at is its now(), so the (workspace_id, created_at)
    // index finds exactly them (COPY has no RETURNING).
    const led = await db.query(
      `INSERT INTO ${ledgerTable(job.id)} (row_no, entity_id, action, written_at)
       SELECT import_row, id, 'I', now() FROM "${entity.table}"
       WHERE workspace_id = $1 AND created_at = now() AND import_job_id = $2 AND import_row BETWEEN $3 AND $4`,
      [job.workspaceId, job.id, c.fromRow, c.toRow],
    );
    if (led.rowCount !== inserted) throw new Error(`direct chunk ${c.chunk}: ledger found ${led.rowCount} of the ${inserted} rows it inserted`);
  }
  await copyStagedRows(db, t, entity, c.deferredRows());
  await copyStagedErrors(db, t, c.errsCopy.join(''));

  const marked = await db.query('INSERT INTO job_chunks (job_id, chunk) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING chunk', [job.id, c.chunk]);
  if (marked.rowCount === 0) throw new Error(`direct chunk ${c.chunk} of job ${job.id} is already marked merged`);
  await recordStagedChunk(db, job.id, { rows: c.rowCount, toRow: c.toRow, bytesRead: c.bytesRead, errorsDropped: c.errorsDropped });
  const errors =
    c.errsCopy.length === 0
      ? { stored: 0, dropped: false }
      : await storeRowErrors(db, { jobId: job.id, fromRow: c.fromRow, toRow: c.toRow, deferred: false }, t, [], s.maxRowErrors);
  await recordMergedChunk(db, job.id, {
    processed: c.rowCount - c.deferredCount,
    succeeded: inserted,
    failed: c.rejectedCount,
    inserted,
    updated: 0,
    conflictsMet: false,
    storedErrors: errors.stored,
    errorsDropped: errors.dropped,
  });
  await addUsage(db, job.workspaceId, entity.name, inserted);
  // The percent (estimated from bytes until the whole file is read), and the job's state for its subscribers.
  return { job: await completeIfDone(db, job.id) };
}

/**
 * The ledger of a direct chunk in ONE compact entry ('R', see importLedger.ts), when the COPY's ids
 * are known: COPY evaluates each row's id default (nextval) row by row, in the order of its lines
 * (how PostgreSQL implements it), and this session's values of the sequence strictly increase
 * (positive increment, no cycle). So when currval after the COPY is exactly `before` (nextval taken
 * just ahead of it) plus one per row, this session got every value in between: the chunk's rows hold
 * ids before+1 … before+n, in line order. Otherwise (another session took values meanwhile, or its
 * cached block of values ran out) it writes nothing and returns false: the caller then finds the rows
 * through the index and writes an entry per row. Measured: an entry per row cost PostgreSQL about a
 * second per million rows, read back or not.
 */
async function ledgerFromSequence(db: pg.ClientBase, jobId: string, sequence: string, before: string, c: ChunkBuffer, inserted: number): Promise<boolean> {
  const led = await db.query(
    `INSERT INTO ${ledgerTable(jobId)} (row_no, entity_id, action, written_at, before)
     SELECT $1, $2::bigint + 1, 'R', now(), f.runs FROM (SELECT $3::jsonb AS runs) f
     WHERE (SELECT sum((r->>1)::int - (r->>0)::int + 1) FROM jsonb_array_elements(f.runs) r) = $4
       AND (SELECT currval(${sequence})) = $2::bigint + $4::bigint`,
    [c.fromRow, before, c.undeferredRowRuns(), inserted],
  );
  return led.rowCount === 1;
}
