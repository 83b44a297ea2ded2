import { copyValue } from '../db/copyText.ts';
import type { CellValue, EntityDefinition } from '../entities/entityDefinition.ts';
import type { RowError } from '../entities/rowValidator.ts';
import { CopyBuffer } from './copyBuffer.ts';

/**
 * One chunk of parsed rows on its way to staging, encoded as COPY text lines
 * (row_no, ok, deferred, <entity columns>) and error lines (row_no, col, code, message, value).
 */
export class ChunkBuffer {
  rowCount = 0;
  rejectedCount = 0;
  deferredCount = 0;
  /** Bytes of the file read when this chunk ended (for the progress estimate). */
  bytesRead = 0;
  readonly errsCopy: string[] = [];
  /** The NULL cells of a rejected row's line, built once per chunk rather than per row. */
  private readonly nullCells: string;

  constructor(
    readonly entity: EntityDefinition,
    readonly rowsCopy: CopyBuffer,
    readonly chunk: number,
    readonly fromRow: number,
    readonly toRow: number,
  ) {
    rowsCopy.reset();
    this.nullCells = '\t\\N'.repeat(entity.columns.length);
  }

  /** A valid row; `deferred` when its key may have appeared before (settled after staging). */
  addValid(row: number, values: CellValue[], deferred: boolean): void {
    this.rowCount++;
    if (deferred) this.deferredCount++;
    let line = `${row}\tt\t${deferred ? 't' : 'f'}`;
    for (let i = 0; i < values.length; i++) line += '\t' + copyValue(values[i]);
    this.rowsCopy.push(line + '\n');
  }

  addRejected(row: number, errors: RowError[]): void {
    this.rowCount++;
    this.rejectedCount++;
    this.rowsCopy.push(`${row}\tf\tf${this.nullCells}\n`);
    for (const e of errors) this.errsCopy.push(`${e.row}\t${copyValue(e.column)}\t${e.code}\t${copyValue(e.message)}\t${copyValue(e.value)}\n`);
  }
}
