import {
  BINARY_HEADER,
  BINARY_TRAILER,
  BinaryTupleReader,
  isBinaryColumnType,
  BinaryTupleWriter,
  uuidBytes,
  worstCase,
  type BinaryColumnType,
} from '../db/copyBinary.ts';
import { copyCells, copyValue } from '../db/copyText.ts';
import type { CellValue, EntityDefinition } from '../entities/entityDefinition.ts';
import type { CopyBuffer } from './copyBuffer.ts';

/** Where a direct chunk's rows go: the entity's own table, stamped with the workspace and the import. */
export interface DirectTarget {
  workspaceId: string;
  jobId: string;
}

/** The three staging columns after row_no (ok, deferred) for a row the filter had not seen. */
export const NOT_DEFERRED = '\tt\tf';

/**
 * How a direct chunk's rows (workspace_id, import_job_id, import_row, <entity columns>) are written
 * for `COPY <table> FROM STDIN`: binary when every column of the entity has a binary writer (then
 * PostgreSQL parses nothing; see db/copyBinary.ts), COPY text otherwise. Either can be turned into
 * staging lines (row_no, ok, deferred, <entity columns>) when the direct insert is refused.
 */
export interface DirectFormat {
  /** The COPY statement's options clause ('' for text). */
  readonly copyOptions: string;
  /**
   * Appends one row. Returns the bytes its cells take as COPY text, each with the tab before it
   * (what they add to a staging line, by which a chunk is measured whatever its format).
   */
  write(out: CopyBuffer, row: number, values: CellValue[]): number;
  /** What to send for the rows `write` produced. */
  copyData(rows: Buffer): Buffer[];
  /** The same rows as staging lines, in the same order. */
  toStaging(rows: Buffer): Buffer;
}

export function directFormat(entity: EntityDefinition, target: DirectTarget): DirectFormat {
  const types = entity.columns.map((c) => c.sqlType);
  return types.every(isBinaryColumnType) ? new BinaryDirect(target, types) : new TextDirect(target);
}

class TextDirect implements DirectFormat {
  readonly copyOptions = '';
  private readonly prefix: string;
  private readonly prefixBytes: number;

  constructor(t: DirectTarget) {
    this.prefix = `${t.workspaceId}\t${t.jobId}\t`;
    this.prefixBytes = Buffer.byteLength(this.prefix);
  }

  write(out: CopyBuffer, row: number, values: CellValue[]): number {
    const before = out.size;
    out.push(`${this.prefix}${row}${copyCells(values)}\n`);
    // The line is the prefix, the row number (ASCII digits), the cells and a newline.
    return out.size - before - this.prefixBytes - String(row).length - 1;
  }

  copyData(rows: Buffer): Buffer[] {
    return [rows];
  }

  /**
   * A staging line is shorter (the prefix is two uuids), so the result fits in a buffer of the same
   * size. COPY text escapes tabs and newlines inside values, so they only ever separate fields and lines.
   */
  toStaging(lines: Buffer): Buffer {
    const out = Buffer.allocUnsafe(lines.length);
    let o = 0;
    for (let i = 0; i < lines.length;) {
      const rowStart = i + this.prefixBytes;
      const tab = lines.indexOf(9, rowStart);
      const end = lines.indexOf(10, tab);
      o += lines.copy(out, o, rowStart, tab);
      o += out.write(NOT_DEFERRED, o, 'latin1');
      o += lines.copy(out, o, tab, end + 1);
      i = end + 1;
    }
    return out.subarray(0, o);
  }
}

class BinaryDirect implements DirectFormat {
  readonly copyOptions = ' WITH (FORMAT binary)';
  private readonly workspace: Buffer;
  private readonly job: Buffer;
  private readonly tuple = new BinaryTupleWriter();

  constructor(
    t: DirectTarget,
    private readonly types: BinaryColumnType[],
  ) {
    this.workspace = uuidBytes(t.workspaceId);
    this.job = uuidBytes(t.jobId);
  }

  write(out: CopyBuffer, row: number, values: CellValue[]): number {
    const w = this.tuple;
    // Field count, two uuids (4 + 16 bytes each) and the row number (4 + 4).
    w.begin(out, 3 + this.types.length, worstCase(2 + 40 + 8, values));
    w.raw(this.workspace);
    w.raw(this.job);
    w.int4(row);
    for (let i = 0; i < this.types.length; i++) w.cell(this.types[i], values[i]);
    w.end(out);
    return w.textBytes;
  }

  copyData(rows: Buffer): Buffer[] {
    return [BINARY_HEADER, rows, BINARY_TRAILER];
  }

  /** Decodes each tuple and writes its values as COPY text: exactly the line the staging format would have had. */
  toStaging(rows: Buffer): Buffer {
    const r = new BinaryTupleReader(rows);
    const lines: string[] = [];
    while (!r.done) {
      r.tuple();
      r.skip();
      r.skip();
      let line = `${r.int4()}${NOT_DEFERRED}`;
      for (const type of this.types) line += '\t' + copyValue(r.cell(type));
      lines.push(line + '\n');
    }
    return Buffer.from(lines.join(''));
  }
}
