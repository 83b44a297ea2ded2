import type pg from 'pg';
import { readCsv, type CsvRecord } from '../csv/recordReader.ts';
import { describeHeaderProblem, matchHeader } from '../csv/headerMatch.ts';
import { copyValue } from '../db/copyText.ts';
import { withTransaction } from '../db/pool.ts';
import type { EntityDefinition } from '../entities/entityDefinition.ts';
import { entityByName } from '../entities/registry.ts';
import { createRowValidator, type RowError } from '../entities/rowValidator.ts';
import type { JobRecord } from '../jobs/jobRecord.ts';
import { settleJob } from '../jobs/jobTransitions.ts';
import type { BlobStore } from '../storage/blobStore.ts';
import { CountingSource, sniffDelimiter, sniffNotCsv } from './countingSource.ts';
import { JobNoLongerRunning, stageChunk, type StagedChunk } from './stageChunk.ts';
import { createStagingTables } from './stagingTables.ts';

export interface StageDeps {
  pool: pg.Pool;
  store: BlobStore;
  chunkSize: number;
  maxAttempts: number;
  /** Called after each staged chunk (progress publishing). */
  onChunk?: () => void;
}

export type StageOutcome =
  | { kind: 'staged'; job: JobRecord | null }
  | { kind: 'rejected'; reason: string }
  | { kind: 'stopped' };

/**
 * Reads the stored file once, validates every record and stages it chunk by chunk, queueing each
 * chunk's merge as soon as it commits (merges run while the rest of the file is still being read).
 * Resumable: rows up to the last committed chunk are skipped on a retry.
 * Memory stays flat: at most two chunks of encoded rows are held at once.
 */
export async function stageFile(deps: StageDeps, job: JobRecord): Promise<StageOutcome> {
  const { pool, chunkSize } = deps;
  const entity = entityByName(job.entity);
  const t = await createStagingTables(pool, job.id, entity);
  const resumeAfter = (await pool.query<{ max: number | null }>(`SELECT max(row_no) AS max FROM ${t.rows}`)).rows[0].max ?? 0;

  const source = new CountingSource(deps.store.read(job.fileKey!));
  let validate: ReturnType<typeof createRowValidator> | undefined;
  let firstDataRow = 0;
  let current: StagedChunk | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  const errors: RowError[] = [];

  const flush = async (c: StagedChunk) => {
    await inFlight; // one chunk commits while the next is parsed; never two commits at once
    c.bytesRead = source.bytesRead;
    inFlight = stageChunk(pool, { id: job.id, maxAttempts: deps.maxAttempts }, entity, t, c).then(() => deps.onChunk?.());
    // Attach a handler now; the error resurfaces at the next await of inFlight.
    inFlight.catch(() => undefined);
  };

  try {
    const head = await source.head();
    const notCsv = sniffNotCsv(head);
    if (notCsv) return { kind: 'rejected', reason: notCsv };
    for await (const batch of readCsv(source, { delimiter: sniffDelimiter(head) })) {
      for (const rec of batch as CsvRecord[]) {
        if (!validate) {
          if (!('fields' in rec)) return { kind: 'rejected', reason: `the header row is malformed: ${rec.malformed}` };
          const match = matchHeader(entity, rec.fields);
          const problem = describeHeaderProblem(entity, match, rec.fields);
          if (problem) return { kind: 'rejected', reason: problem };
          await pool.query(`UPDATE jobs SET options = options || $2::jsonb WHERE id = $1`, [
            job.id,
            JSON.stringify({ columns: match.presentColumns, ignoredColumns: match.unknown, headerRow: rec.row }),
          ]);
          validate = createRowValidator(entity, match);
          firstDataRow = rec.row + 1;
          continue;
        }
        if (rec.row <= resumeAfter) continue;
        const k = Math.floor((rec.row - firstDataRow) / chunkSize);
        if (!current || current.chunk !== k) {
          if (current) await flush(current);
          current = newChunk(k, firstDataRow + k * chunkSize, chunkSize);
        }
        encodeRecord(entity, validate, rec, current, errors);
      }
    }
    if (!validate) return { kind: 'rejected', reason: 'the file is empty: it has no header row and no data' };
    if (current) await flush(current);
    await inFlight;
    const settled = await withTransaction(pool, async (db) => {
      const r = await db.query(
        `UPDATE jobs SET total_rows = staged_rows, total_chunks = staged_chunks, staged_bytes = $2, updated_at = now()
         WHERE id = $1 AND status = 'RUNNING'`,
        [job.id, source.bytesRead],
      );
      return r.rowCount === 0 ? null : settleJob(db, job.id);
    });
    return { kind: 'staged', job: settled };
  } catch (err) {
    if (err instanceof JobNoLongerRunning) return { kind: 'stopped' };
    throw err;
  } finally {
    await inFlight.catch(() => undefined);
  }
}

function newChunk(chunk: number, fromRow: number, size: number): StagedChunk {
  return { chunk, fromRow, toRow: fromRow + size - 1, rowCount: 0, rowsCopy: [], errsCopy: [], bytesRead: 0 };
}

function encodeRecord(
  entity: EntityDefinition,
  validate: ReturnType<typeof createRowValidator>,
  rec: CsvRecord,
  c: StagedChunk,
  errors: RowError[],
): void {
  c.rowCount++;
  errors.length = 0;
  let values = null;
  if ('fields' in rec) values = validate(rec.fields, rec.row, errors);
  else errors.push({ row: rec.row, column: '', code: 'MALFORMED_ROW', message: `malformed row: ${rec.malformed}`, value: rec.raw });

  if (values) {
    let line = `${rec.row}\tt`;
    for (let i = 0; i < values.length; i++) line += '\t' + copyValue(values[i]);
    c.rowsCopy.push(line + '\n');
  } else {
    c.rowsCopy.push(`${rec.row}\tf${'\t\\N'.repeat(entity.columns.length)}\n`);
    for (const e of errors) {
      c.errsCopy.push(`${e.row}\t${copyValue(e.column)}\t${e.code}\t${copyValue(e.message)}\t${copyValue(e.value)}\n`);
    }
  }
}
