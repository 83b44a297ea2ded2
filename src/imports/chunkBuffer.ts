import { copyCells, copyValue } from '../db/copyText.ts';
import type { CellValue, EntityDefinition } from '../entities/entityDefinition.ts';
import type { RowError } from '../entities/rowValidator.ts';
import { CopyBuffer } from './copyBuffer.ts';
import { directFormat, NOT_DEFERRED, type DirectFormat, type DirectTarget } from './directFormat.ts';

/** A chunk as plain data, to hand it from a parse thread to the stage task (structured clone; `rows` transferable). */
export interface ChunkData {
  chunk: number;
  fromRow: number;
  toRow: number;
  rowCount: number;
  rejectedCount: number;
  deferredCount: number;
  bytesRead: number;
  errorsDropped: boolean;
  direct: DirectTarget | null;
  /** The undeferred valid rows, in the chunk's format. */
  rows: Uint8Array;
  /** A direct chunk's: their spreadsheet rows as JSON runs (see undeferredRowRuns); '' otherwise. */
  rowNumbers: string;
  /** The deferred rows (staging format) and the row errors, as COPY text. */
  deferred: string;
  errs: string;
}

/**
 * One chunk of parsed records on its way to the database, as COPY text lines. Its valid rows are
 * written in one of two formats, chosen when the chunk starts:
 * - staging: (row_no, ok, deferred, <entity columns>) for the staging table;
 * - direct: (workspace_id, import_job_id, import_row, <entity columns>) for the entity's table
 *   itself (directChunk.ts), binary or text (directFormat.ts), convertible to the staging format if
 *   the direct insert is refused.
 * Rows the key filter defers always go to staging, kept apart in the staging format; row errors are
 * COPY lines (row_no, col, code, message, value). Rejected rows are counted, not staged: a file of
 * junk costs its errors (up to the job's cap), not a staging row per line.
 */
export class ChunkBuffer {
  /** Data records in the chunk (valid, deferred and rejected). */
  rowCount = 0;
  rejectedCount = 0;
  deferredCount = 0;
  /** Valid rows the key filter had not seen: the rows a direct insert writes. */
  get undeferredCount(): number {
    return this.rowCount - this.rejectedCount - this.deferredCount;
  }
  /** Spreadsheet row of the chunk's last record. */
  toRow: number;
  /** Bytes of the file read when this chunk ended (for the progress estimate). */
  bytesRead = 0;
  /** Some rejected rows' errors were not kept (the job's MAX_ROW_ERRORS was reached). */
  errorsDropped = false;
  /**
   * Set by whoever handed the chunk over (parseInThread.ts): gives its rows' memory back for the next
   * chunk. The stage task calls it once it is done with the chunk (committed or failed), never before.
   */
  recycle: (() => void) | null = null;
  readonly errsCopy: string[] = [];
  private readonly deferredLines: string[] = [];
  /** A direct chunk's: spreadsheet rows of the undeferred valid rows, as runs of consecutive rows (first, last, first, last, …). */
  private readonly undeferredRuns: number[] = [];
  private undeferredLiteral: string | null = null;
  private errsBytes = 0;
  /** Bytes of the valid rows in the staging format, whichever format holds them. */
  private rowBytes = 0;
  /** The direct format's writer; null for the staging format. */
  readonly directFormat: DirectFormat | null;

  /** @param direct where the rows go in the direct format, null for the staging format. */
  constructor(
    readonly entity: EntityDefinition,
    private readonly rowsCopy: CopyBuffer,
    readonly chunk: number,
    readonly fromRow: number,
    private readonly target: DirectTarget | null = null,
  ) {
    rowsCopy.reset();
    this.toRow = fromRow;
    this.directFormat = target === null ? null : directFormat(entity, target);
  }

  /** A chunk handed over as data (see toData): the stage task's side of a parse thread. */
  static fromData(entity: EntityDefinition, d: ChunkData): ChunkBuffer {
    const c = new ChunkBuffer(entity, new CopyBuffer(0), d.chunk, d.fromRow, d.direct);
    c.rowsCopy.adopt(d.rows);
    c.toRow = d.toRow;
    c.rowCount = d.rowCount;
    c.rejectedCount = d.rejectedCount;
    c.deferredCount = d.deferredCount;
    c.bytesRead = d.bytesRead;
    c.errorsDropped = d.errorsDropped;
    c.undeferredLiteral = d.rowNumbers;
    if (d.deferred) c.deferredLines.push(d.deferred);
    if (d.errs) c.errsCopy.push(d.errs);
    return c;
  }

  /**
   * This chunk as data, its rows copied out of the CopyBuffer (which the parser reuses) into memory
   * from `alloc` (a recycled buffer of at least that many bytes), or new memory.
   */
  toData(alloc: (bytes: number) => Uint8Array = (bytes) => Buffer.allocUnsafeSlow(bytes)): ChunkData {
    return {
      chunk: this.chunk,
      fromRow: this.fromRow,
      toRow: this.toRow,
      rowCount: this.rowCount,
      rejectedCount: this.rejectedCount,
      deferredCount: this.deferredCount,
      bytesRead: this.bytesRead,
      errorsDropped: this.errorsDropped,
      direct: this.target,
      rows: copyInto(this.rowsCopy.contents(), alloc),
      rowNumbers: this.direct ? this.undeferredRowRuns() : '',
      deferred: this.deferredLines.join(''),
      errs: this.errsCopy.join(''),
    };
  }

  get direct(): boolean {
    return this.directFormat !== null;
  }

  /**
   * Bytes this chunk holds (rows and errors): a chunk closes on bytes as well as rows. Counted while
   * the chunk is cut; 0 for a chunk rebuilt by fromData, which is never cut further.
   * INVARIANT: counted in the staging format whatever the format, so that every run over the file
   * (a restage after a crash stages everything) cuts exactly the same chunks.
   */
  get bytes(): number {
    return this.rowBytes + this.errsBytes;
  }

  /** A valid row; `deferred` when its key may have appeared before (settled after staging). */
  addValid(row: number, values: CellValue[], deferred: boolean): void {
    this.rowCount++;
    this.toRow = row;
    if (deferred) {
      this.deferredCount++;
      const line = `${row}\tt\tt${copyCells(values)}\n`;
      this.rowBytes += Buffer.byteLength(line);
      this.deferredLines.push(line);
    } else if (this.directFormat !== null) {
      const runs = this.undeferredRuns;
      if (runs.length > 0 && runs[runs.length - 1] === row - 1) runs[runs.length - 1] = row;
      else runs.push(row, row);
      const cellBytes = this.directFormat.write(this.rowsCopy, row, values);
      // The staging line's bytes: `${row}${NOT_DEFERRED}${cells}\n` (row is ASCII digits).
      this.rowBytes += String(row).length + NOT_DEFERRED.length + cellBytes + 1;
    } else {
      const before = this.rowsCopy.size;
      this.rowsCopy.push(`${row}${NOT_DEFERRED}${copyCells(values)}\n`);
      this.rowBytes += this.rowsCopy.size - before;
    }
  }

  /**
   * A rejected row: counted, and its errors kept while `keepErrors` allows (the job stores at most
   * MAX_ROW_ERRORS; past that, rows still fail and count, without a stored error each).
   * Returns the number of errors kept.
   */
  addRejected(row: number, errors: RowError[], keepErrors: number): number {
    this.rowCount++;
    this.rejectedCount++;
    this.toRow = row;
    const kept = Math.min(errors.length, Math.max(0, keepErrors));
    for (let i = 0; i < kept; i++) {
      const e = errors[i];
      const line = `${e.row}\t${copyValue(e.column)}\t${e.code}\t${copyValue(e.message)}\t${copyValue(e.value)}\n`;
      this.errsBytes += line.length;
      this.errsCopy.push(line);
    }
    return kept;
  }

  /**
   * Spreadsheet rows of the undeferred valid rows, in the order directRows() holds them (ascending), as
   * a JSON array of [first, last] runs of consecutive rows: [[2,10001]] for a chunk without a bad or
   * deferred row (only for a direct chunk; its compact ledger entry, see importLedger.ts).
   */
  undeferredRowRuns(): string {
    if (this.directFormat === null) throw new Error('not a direct chunk');
    if (this.undeferredLiteral === null) {
      const runs = this.undeferredRuns;
      const pairs: string[] = [];
      for (let i = 0; i < runs.length; i += 2) pairs.push(`[${runs[i]},${runs[i + 1]}]`);
      this.undeferredLiteral = `[${pairs.join(',')}]`;
    }
    return this.undeferredLiteral;
  }

  /** The undeferred rows in the direct format (only for a direct chunk; valid until the buffer's next reset). */
  directRows(): Buffer {
    if (this.directFormat === null) throw new Error('not a direct chunk');
    return this.rowsCopy.contents();
  }

  /** Every valid row (undeferred and deferred) in the staging format. */
  stagingRows(): Buffer {
    const main = this.directFormat === null ? this.rowsCopy.contents() : this.directFormat.toStaging(this.rowsCopy.contents());
    return this.deferredLines.length === 0 ? main : Buffer.concat([main, Buffer.from(this.deferredLines.join(''))]);
  }

  /** The deferred rows alone, in the staging format (a direct chunk stages only these). */
  deferredRows(): string {
    return this.deferredLines.join('');
  }
}

/** A copy in memory of its own (transferable: a view of `bytes.length` at the start of what alloc gave). */
function copyInto(bytes: Buffer, alloc: (bytes: number) => Uint8Array): Uint8Array {
  const out = alloc(bytes.length);
  if (out.byteLength < bytes.length) throw new RangeError(`a buffer of ${out.byteLength} bytes cannot hold ${bytes.length}`);
  bytes.copy(out);
  return out.subarray(0, bytes.length);
}
