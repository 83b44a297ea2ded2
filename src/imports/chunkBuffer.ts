import { copyValue } from '../db/copyText.ts';
import type { CellValue, EntityDefinition } from '../entities/entityDefinition.ts';
import type { RowError } from '../entities/rowValidator.ts';
import { CopyBuffer } from './copyBuffer.ts';

/** The three staging columns before the entity's (row_no, ok, deferred) for a row the filter had not seen. */
const NOT_DEFERRED = '\tt\tf';

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
  directPrefix: string | null;
  /** The undeferred valid rows, in the chunk's format. */
  rows: Uint8Array;
  /** A direct chunk's: their spreadsheet rows as a JSON array (built by the parser, which has time to spare); '' otherwise. */
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
 *   itself (directChunk.ts), convertible to the staging format if the direct insert is refused.
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
  /** A direct chunk's: spreadsheet rows of the undeferred valid rows, in the order of their lines (for its ledger). */
  private readonly undeferredRows: number[] = [];
  private undeferredLiteral: string | null = null;
  private errsBytes = 0;
  /** Bytes of the valid rows in the staging format, whichever format holds them. */
  private rowBytes = 0;
  private readonly prefixBytes: number;

  /** @param directPrefix `${workspaceId}\t${jobId}\t` for the direct format, null for the staging format. */
  constructor(
    readonly entity: EntityDefinition,
    private readonly rowsCopy: CopyBuffer,
    readonly chunk: number,
    readonly fromRow: number,
    private directPrefix: string | null = null,
  ) {
    rowsCopy.reset();
    this.toRow = fromRow;
    this.prefixBytes = directPrefix === null ? 0 : Buffer.byteLength(directPrefix);
  }

  /** A chunk handed over as data (see toData): the stage task's side of a parse thread. */
  static fromData(entity: EntityDefinition, d: ChunkData): ChunkBuffer {
    const c = new ChunkBuffer(entity, new CopyBuffer(0), d.chunk, d.fromRow, d.directPrefix);
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
      directPrefix: this.directPrefix,
      rows: copyInto(this.rowsCopy.contents(), alloc),
      rowNumbers: this.direct ? this.undeferredRowNumbers() : '',
      deferred: this.deferredLines.join(''),
      errs: this.errsCopy.join(''),
    };
  }

  get direct(): boolean {
    return this.directPrefix !== null;
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
    let cells = '';
    for (let i = 0; i < values.length; i++) cells += '\t' + copyValue(values[i]);
    if (deferred) {
      this.deferredCount++;
      const line = `${row}\tt\tt${cells}\n`;
      this.rowBytes += Buffer.byteLength(line);
      this.deferredLines.push(line);
    } else if (this.directPrefix !== null) {
      this.undeferredRows.push(row);
      const before = this.rowsCopy.size;
      this.rowsCopy.push(`${this.directPrefix}${row}${cells}\n`);
      this.rowBytes += this.rowsCopy.size - before - this.prefixBytes + NOT_DEFERRED.length;
    } else {
      const before = this.rowsCopy.size;
      this.rowsCopy.push(`${row}${NOT_DEFERRED}${cells}\n`);
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

  /** Spreadsheet rows of the undeferred valid rows, in the order directRows() holds them, as a JSON array (only for a direct chunk). */
  undeferredRowNumbers(): string {
    if (this.directPrefix === null) throw new Error('not a direct chunk');
    this.undeferredLiteral ??= `[${this.undeferredRows.join(',')}]`;
    return this.undeferredLiteral;
  }

  /** The undeferred rows in the direct format (only for a direct chunk; valid until the buffer's next reset). */
  directRows(): Buffer {
    if (this.directPrefix === null) throw new Error('not a direct chunk');
    return this.rowsCopy.contents();
  }

  /** Every valid row (undeferred and deferred) in the staging format. */
  stagingRows(): Buffer {
    const main = this.directPrefix === null ? this.rowsCopy.contents() : directToStaging(this.rowsCopy.contents(), this.prefixBytes);
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

/**
 * Rewrites direct-format lines (prefix, row, cells) as staging lines (row, t, f, cells). A staging
 * line is shorter (the prefix is two uuids), so the result fits in a buffer of the same size. COPY
 * text escapes tabs and newlines inside values, so they only ever separate fields and lines.
 */
function directToStaging(lines: Buffer, prefixBytes: number): Buffer {
  const out = Buffer.allocUnsafe(lines.length);
  let o = 0;
  for (let i = 0; i < lines.length;) {
    const rowStart = i + prefixBytes;
    const tab = lines.indexOf(9, rowStart);
    const end = lines.indexOf(10, tab);
    o += lines.copy(out, o, rowStart, tab);
    o += out.write(NOT_DEFERRED, o, 'latin1');
    o += lines.copy(out, o, tab, end + 1);
    i = end + 1;
  }
  return out.subarray(0, o);
}
