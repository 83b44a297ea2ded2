import type { CellValue } from '../entities/entityDefinition.ts';
import { copyEscape } from './copyText.ts';
import type { CopyBuffer } from '../imports/copyBuffer.ts';

/**
 * PostgreSQL's binary COPY format (https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4):
 * a header, then per row an int16 field count and per field an int32 byte length (-1 for NULL) and
 * the value in the type's binary ("send") form, then an int16 -1. Only the types whose binary form
 * is trivial are written here: text, text[], uuid and int4. PostgreSQL then parses nothing:
 * measured on 1M contacts rows, COPY took 4.5–5.3 s from binary against 5.5–6.1 s from text.
 */
export const BINARY_HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
export const BINARY_TRAILER = Buffer.from([0xff, 0xff]);

/** pg_type oid of text: an array's binary form names its element type. */
const TEXT_OID = 25;

export type BinaryColumnType = 'text' | 'text[]';

export function isBinaryColumnType(sqlType: string): sqlType is BinaryColumnType {
  return sqlType === 'text' || sqlType === 'text[]';
}

/** 16 bytes of a uuid in its usual text form. */
export function uuidBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`not a uuid: ${uuid}`);
  return Buffer.from(hex, 'hex');
}

/**
 * Writes binary tuples straight into a CopyBuffer's memory, and counts on the way how many bytes the
 * same cells take as COPY text (ChunkBuffer measures a chunk in staging lines, whatever its format).
 * ASCII is copied char by char: measured, a native write per cell cost more than PostgreSQL saved.
 * Cells hold no NUL: the row validator refuses one as a row error. (PostgreSQL refuses a NUL in
 * binary text, where COPY text would store it as the two characters \0: a chunk holding one would
 * fall back to staging.)
 */
export class BinaryTupleWriter {
  private buf: Buffer = Buffer.alloc(0);
  private at = 0;
  private start = 0;
  /** COPY text bytes of the cells written since begin(): each cell's text with the tab before it. */
  textBytes = 0;

  /** Starts a tuple of `fields` fields; `worst` bounds the bytes it takes (see worstCase). */
  begin(out: CopyBuffer, fields: number, worst: number): void {
    this.buf = out.room(worst);
    this.at = this.start = out.size;
    this.textBytes = 0;
    this.buf.writeInt16BE(fields, this.at);
    this.at += 2;
  }

  end(out: CopyBuffer): void {
    out.advance(this.at - this.start);
  }

  /** A field whose bytes are fixed (a uuid's 16). */
  raw(bytes: Uint8Array): void {
    this.at = this.buf.writeInt32BE(bytes.length, this.at);
    this.buf.set(bytes, this.at);
    this.at += bytes.length;
  }

  int4(v: number): void {
    this.at = this.buf.writeInt32BE(4, this.at);
    this.at = this.buf.writeInt32BE(v, this.at);
  }

  /** A text or text[] cell (a string or a string array: what the entity's parser gave). */
  cell(type: BinaryColumnType, v: CellValue): void {
    const buf = this.buf;
    if (v === null) {
      this.at = buf.writeInt32BE(-1, this.at);
      this.textBytes += 3; // \t\N
      return;
    }
    const lengthAt = this.at;
    this.at += 4;
    if (type === 'text') {
      this.textBytes += 1;
      this.utf8(v as string, false);
    } else {
      const items = v as string[];
      // ndim, has-nulls flag, element type; then per dimension its length and lower bound (1).
      this.at = buf.writeInt32BE(items.length === 0 ? 0 : 1, this.at);
      this.at = buf.writeInt32BE(0, this.at);
      this.at = buf.writeInt32BE(TEXT_OID, this.at);
      this.textBytes += items.length === 0 ? 3 : 2 + items.length; // tab, braces, commas
      if (items.length > 0) {
        this.at = buf.writeInt32BE(items.length, this.at);
        this.at = buf.writeInt32BE(1, this.at);
        for (const item of items) {
          const itemAt = this.at;
          this.at += 4;
          buf.writeInt32BE(this.utf8(item, true), itemAt);
        }
      }
    }
    buf.writeInt32BE(this.at - lengthAt - 4, lengthAt);
  }

  /**
   * Writes `s` as UTF-8 and returns its bytes. Adds its COPY text bytes to textBytes: escaped by
   * copyEscape, and in an array literal (`inArray`) first quoted, with backslashes and quotes escaped.
   */
  private utf8(s: string, inArray: boolean): number {
    const buf = this.buf;
    const from = this.at;
    let o = from;
    let text = inArray ? 2 : 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80 || c === 0) return this.utf8Native(s, inArray);
      buf[o++] = c;
      // \ → \\ (in an array: \\\\), " → \" in an array (then \\"), tab, LF and CR → \t \n \r.
      text += c === 92 ? (inArray ? 4 : 2) : c === 34 && inArray ? 3 : c === 9 || c === 10 || c === 13 ? 2 : 1;
    }
    this.at = o;
    this.textBytes += text;
    return o - from;
  }

  /** utf8()'s way for the rest: non-ASCII (or a NUL), through Node's encoder. */
  private utf8Native(s: string, inArray: boolean): number {
    const n = this.buf.write(s, this.at);
    this.at += n;
    const literal = inArray ? `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : s;
    this.textBytes += Buffer.byteLength(copyEscape(literal));
    return n;
  }
}

/** The most bytes a tuple of these cells can take (UTF-8 is at most 3 bytes per UTF-16 unit). */
export function worstCase(fixedBytes: number, values: CellValue[]): number {
  let n = fixedBytes;
  for (const v of values) {
    n += 4;
    if (typeof v === 'string') n += v.length * 3;
    else if (v !== null) {
      n += 20;
      for (const item of v) n += 4 + item.length * 3;
    }
  }
  return n;
}

/** Reads binary tuples back, field by field (the rare path that must turn them into text). */
export class BinaryTupleReader {
  private at = 0;

  constructor(private readonly data: Buffer) {}

  get done(): boolean {
    return this.at >= this.data.length;
  }

  /** Starts the next tuple; returns its field count. */
  tuple(): number {
    const n = this.data.readInt16BE(this.at);
    this.at += 2;
    return n;
  }

  skip(): void {
    const len = this.data.readInt32BE(this.at);
    this.at += 4 + Math.max(len, 0);
  }

  int4(): number {
    this.at += 4;
    const v = this.data.readInt32BE(this.at);
    this.at += 4;
    return v;
  }

  cell(type: BinaryColumnType): CellValue {
    const len = this.data.readInt32BE(this.at);
    this.at += 4;
    if (len < 0) return null;
    const end = this.at + len;
    if (type === 'text') {
      const s = this.data.toString('utf8', this.at, end);
      this.at = end;
      return s;
    }
    const ndim = this.data.readInt32BE(this.at);
    this.at += 12;
    const items: string[] = [];
    if (ndim === 1) {
      const count = this.data.readInt32BE(this.at);
      this.at += 8;
      for (let i = 0; i < count; i++) {
        const k = this.data.readInt32BE(this.at);
        this.at += 4;
        items.push(this.data.toString('utf8', this.at, this.at + k));
        this.at += k;
      }
    }
    this.at = end;
    return items;
  }
}
