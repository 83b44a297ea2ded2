import { copyValue } from '../db/copyText.ts';
import type { CellValue, EntityDefinition } from '../entities/entityDefinition.ts';
import type { RowError } from '../entities/rowValidator.ts';
import { CopyBuffer } from './copyBuffer.ts';

/**
 * One chunk of parsed records on its way to staging: the valid rows as COPY text lines
 * (row_no, ok, deferred, <entity columns>), the row errors as COPY lines (row_no, col, code, message,
 * value), and counts. Rejected rows are counted, not staged: a file of junk costs its errors (up to
 * the job's cap), not a staging row per line.
 */
export class ChunkBuffer {
  /** Data records in the chunk (valid, deferred and rejected). */
  rowCount = 0;
  rejectedCount = 0;
  deferredCount = 0;
  /** Rows staged (rowCount − rejectedCount). */
  get stagedCount(): number {
    return this.rowCount - this.rejectedCount;
  }
  /** Spreadsheet row of the chunk's last record. */
  toRow: number;
  /** Bytes of the file read when this chunk ended (for the progress estimate). */
  bytesRead = 0;
  /** Some rejected rows' errors were not kept (the job's MAX_ROW_ERRORS was reached). */
  errorsDropped = false;
  readonly errsCopy: string[] = [];
  private errsBytes = 0;

  constructor(
    readonly entity: EntityDefinition,
    readonly rowsCopy: CopyBuffer,
    readonly chunk: number,
    readonly fromRow: number,
  ) {
    rowsCopy.reset();
    this.toRow = fromRow;
  }

  /** Bytes this chunk holds (rows and errors): a chunk closes on bytes as well as rows. */
  get bytes(): number {
    return this.rowsCopy.size + this.errsBytes;
  }

  /** A valid row; `deferred` when its key may have appeared before (settled after staging). */
  addValid(row: number, values: CellValue[], deferred: boolean): void {
    this.rowCount++;
    this.toRow = row;
    if (deferred) this.deferredCount++;
    let line = `${row}\tt\t${deferred ? 't' : 'f'}`;
    for (let i = 0; i < values.length; i++) line += '\t' + copyValue(values[i]);
    this.rowsCopy.push(line + '\n');
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
}
