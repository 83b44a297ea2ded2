import { pipeline, Readable } from 'node:stream';
import type pg from 'pg';
import { encodingOfJob } from '../csv/fileEncoding.ts';
import { columnKey } from '../entities/headerMatch.ts';
import { CsvCellGuard } from '../exports/exportStreams.ts';
import type { ImportJob } from '../jobs/jobRecord.ts';
import type { BlobStore } from '../storage/blobStore.ts';
import { CountingSource } from './countingSource.ts';
import { openCsv } from './openCsv.ts';

/** The columns the failed-rows file adds after the file's own (ignored on re-import: they match no field). */
export const FAILED_ROWS_EXTRA_COLUMNS = ['row', 'errors'] as const;

/** A failed row's stored errors, as one cell: "CODE: message; CODE: message". */
interface FailedRow {
  row: number;
  errors: string;
}

const ERRORS_PAGE = 1000;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * The failed rows of an import as a CSV file: the upload's header and, for every row that has a
 * stored row error, its cells as the file had them, in row order, plus `row` (the spreadsheet row
 * number) and `errors`. Built on request from the stored upload and job_row_errors, both in row
 * order, merged as they stream: memory stays flat whatever the file or error count.
 *
 * - Rows whose errors were not stored (past MAX_ROW_ERRORS, Job.errorsTruncated) are not in it.
 * - A malformed row (MALFORMED_ROW) cannot be split into cells: its first physical line, as the
 *   error keeps it, fills the first column.
 * - A file that is itself a failed-rows file ends in `row` and `errors`: those two are replaced, not repeated.
 * - Every cell, header included, passes through the exports' formula guard (CsvCellGuard), and the
 *   text is UTF-8 with a byte order mark, so spreadsheets open it with its accents.
 */
export function failedRowsCsv(deps: { pool: pg.Pool; store: BlobStore }, job: ImportJob): Readable {
  // pipeline destroys every stage when one fails or the reader leaves, which closes the upload.
  const guarded = pipeline(Readable.from(failedRowLines(deps, job)), new CsvCellGuard(), () => undefined);
  // The BOM goes in after the guard: before it, it would hide the first header cell's first character.
  return Readable.from(
    (async function* () {
      yield UTF8_BOM;
      yield* guarded;
    })(),
  );
}

async function* failedRowLines(deps: { pool: pg.Pool; store: BlobStore }, job: ImportJob): AsyncGenerator<Buffer> {
  const source = new CountingSource(deps.store.read(job.fileKey!));
  try {
    const csv = await openCsv(source, encodingOfJob(job.encoding));
    if (csv.notCsv !== null) return;
    const failed = failedRows(deps.pool, job.id)[Symbol.asyncIterator]();
    let next = await failed.next();
    let keep = -1; // how many of the file's columns the output keeps
    for await (const batch of csv.records) {
      let out = '';
      for (const rec of batch) {
        if (keep === -1) {
          if (!('fields' in rec)) return;
          const header = rec.fields;
          const ours = header.length >= 2 && FAILED_ROWS_EXTRA_COLUMNS.every((c, i) => columnKey(header[header.length - 2 + i]) === c);
          keep = ours ? header.length - 2 : header.length;
          out += csvLine([...header.slice(0, keep), ...FAILED_ROWS_EXTRA_COLUMNS]);
          continue;
        }
        while (!next.done && next.value.row < rec.row) next = await failed.next();
        if (next.done) break;
        if (next.value.row !== rec.row) continue;
        const cells = 'fields' in rec ? rec.fields.slice(0, keep) : [rec.raw, ...new Array<string>(Math.max(0, keep - 1)).fill('')];
        out += csvLine([...cells, String(rec.row), next.value.errors]);
      }
      if (out) yield Buffer.from(out, 'utf8');
      if (next.done && keep !== -1) return;
    }
  } finally {
    await source.close();
  }
}

/** The job's failed rows in row order, read a page at a time (keyset on the primary key). */
async function* failedRows(pool: pg.Pool, jobId: string): AsyncGenerator<FailedRow> {
  let after: [number, string] = [0, ''];
  let current: FailedRow | null = null;
  for (;;) {
    const { rows } = await pool.query<{ row: number; column: string; code: string; message: string }>(
      `SELECT row, "column", code, message FROM job_row_errors WHERE job_id = $1 AND (row, "column") > ($2, $3)
       ORDER BY row, "column" LIMIT ${ERRORS_PAGE}`,
      [jobId, after[0], after[1]],
    );
    for (const e of rows) {
      const text = `${e.code}: ${e.message}`;
      if (current && current.row === e.row) current.errors += `; ${text}`;
      else {
        if (current) yield current;
        current = { row: e.row, errors: text };
      }
    }
    if (rows.length < ERRORS_PAGE) break;
    const last = rows[rows.length - 1];
    after = [last.row, last.column];
  }
  if (current) yield current;
}

/** One CSV record (RFC 4180): a cell holding a quote, comma or line break is quoted. */
function csvLine(cells: string[]): string {
  return `${cells.map((c) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',')}\n`;
}
