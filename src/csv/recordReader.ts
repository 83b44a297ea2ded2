/**
 * Streaming RFC 4180 record reader with per-row recovery.
 *
 * Why not fast-csv / csv-parse / papaparse: after an unterminated quote they either
 * fail the whole file or buffer to EOF. Our rule is that a malformed record costs
 * exactly one row and the rows around it still import (see "Recovery" below).
 *
 * Dialect (RFC 4180 plus what spreadsheets actually export):
 * - records end with \n, \r\n or a lone \r; a UTF-8 BOM at the very start is dropped;
 * - a field starting with `"` is quoted: `""` is a literal quote, and the delimiter,
 *   \r and \n are literal inside; after the closing quote only a delimiter or the end
 *   of the record may follow;
 * - a `"` anywhere else in an unquoted field (`5" screen`, ` "x"`) is kept literally,
 *   as Excel writes it, instead of being an error;
 * - a blank line (zero characters) is not a record, but it uses up a row number,
 *   because a spreadsheet shows an empty row there. A whitespace-only line IS a record.
 *
 * Rows: `row` is the spreadsheet row number, counted from the first line of the file:
 * every record and every blank line takes one, and a record with quoted line breaks
 * takes only one. The header is normally row 1; after two leading blank lines it is 3.
 *
 * Recovery: a malformed record (unterminated quote, text after a closing quote, wrong
 * field count, longer than maxRecordBytes) is reported as its FIRST physical line only,
 * and parsing resumes at the next physical line, which gets the next row number. So a
 * stray quote swallows nothing: the lines it would have joined are parsed again as rows.
 */

export interface CsvRecordOk {
  row: number;
  fields: string[];
}
export interface CsvRecordMalformed {
  row: number;
  /** What is wrong, for a person: "unterminated quoted field", "expected 6 fields, found 8". */
  malformed: string;
  /** The offending record's first physical line, at most 200 characters. */
  raw: string;
}
export type CsvRecord = CsvRecordOk | CsvRecordMalformed;

export interface ReadCsvOptions {
  /** Field separator, one character other than `"`, \r and \n. @default ',' */
  delimiter?: string;
  /**
   * A record whose text is longer than this many UTF-8 bytes is malformed. This is what
   * keeps an unterminated quote from buffering the rest of the file. @default 1_048_576
   */
  maxRecordBytes?: number;
}

export function isMalformed(record: CsvRecord): record is CsvRecordMalformed {
  return 'malformed' in record;
}

/**
 * Reads a CSV byte (or string) stream and yields batches of records, about one batch per
 * input chunk, never an empty one, so a consumer pays one await per chunk, not per row.
 *
 * The FIRST non-blank record is the header: it is the first element of the first batch,
 * as a CsvRecordOk, and its field count is the one every data record must have. A file
 * without records (empty, or blank lines only) yields nothing. If the header itself is
 * malformed it is yielded as a CsvRecordMalformed and reading stops: without a header no
 * row can be checked.
 *
 * Memory stays flat: besides the current chunk, the reader holds at most the one record
 * still incomplete, and never more than maxRecordBytes of it.
 *
 * @throws RangeError at call time for an invalid delimiter or maxRecordBytes.
 */
export function readCsv(source: AsyncIterable<Buffer | Uint8Array | string>, options: ReadCsvOptions = {}): AsyncGenerator<CsvRecord[]> {
  return readBatches(source, new RecordParser(options));
}

async function* readBatches(source: AsyncIterable<Buffer | Uint8Array | string>, parser: RecordParser): AsyncGenerator<CsvRecord[]> {
  for await (const chunk of source) {
    const batch = parser.push(chunk);
    if (batch.length > 0) yield batch;
    if (parser.stopped) return;
  }
  const last = parser.end();
  if (last.length > 0) yield last;
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const BOM = 0xfeff;
const RAW_MAX_CHARS = 200;
const DEFAULT_MAX_RECORD_BYTES = 1_048_576;

// What scanRecord found at a position. Numbers, not an enum, so tsx and tsc agree.
const RECORD = 0;
const BLANK = 1;
const INCOMPLETE = 2;
const MALFORMED = 3;
const END = 4;

class RecordParser {
  /** True once nothing more will be yielded (the header was malformed). */
  stopped = false;

  private readonly delimiter: number;
  private readonly maxRecordBytes: number;
  // ignoreBOM: we drop the BOM ourselves, once, so byte and string input behave alike.
  private readonly decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

  private row = 1;
  private expectedFields = -1; // -1 until the header is read
  private atStart = true; // no text seen yet: a BOM may still come
  // The previous text ended with a \r that ended a line: a \n starting the next text belongs to it.
  private dropLeadingLF = false;
  // Discarding the rest of an over-long physical line that has been reported already.
  private skippingLine = false;

  // Unparsed text: the start of one incomplete record. Kept as pieces and joined only when
  // worth a rescan (RETRY), so tiny chunks do not make rescanning quadratic.
  private pending: string[] = [];
  private pendingLength = 0;
  private retryAtLength = 0;

  // Results of scanRecord, in fields rather than a returned object: no allocation per row.
  private fields: string[] = [];
  private contentEnd = 0;
  private next = 0;
  private message = '';
  private incompleteInQuote = false;

  constructor(options: ReadCsvOptions) {
    const { delimiter = ',', maxRecordBytes = DEFAULT_MAX_RECORD_BYTES } = options;
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\r' || delimiter === '\n') {
      throw new RangeError(`delimiter must be one character other than '"', \\r and \\n, got ${JSON.stringify(delimiter)}`);
    }
    if (!Number.isInteger(maxRecordBytes) || maxRecordBytes < 1) {
      throw new RangeError(`maxRecordBytes must be a positive integer, got ${maxRecordBytes}`);
    }
    this.delimiter = delimiter.charCodeAt(0);
    this.maxRecordBytes = maxRecordBytes;
  }

  push(chunk: Buffer | Uint8Array | string): CsvRecord[] {
    // A string after bytes: whatever partial character the decoder holds is finished first.
    const text = typeof chunk === 'string' ? this.decoder.decode() + chunk : this.decoder.decode(chunk, { stream: true });
    return this.consume(text, false);
  }

  end(): CsvRecord[] {
    return this.consume(this.decoder.decode(), true);
  }

  private consume(text: string, eof: boolean): CsvRecord[] {
    const out: CsvRecord[] = [];
    if (this.stopped) return out;
    if (text.length > 0) {
      if (this.atStart) {
        this.atStart = false;
        if (text.charCodeAt(0) === BOM) text = text.slice(1);
      } else if (this.dropLeadingLF) {
        this.dropLeadingLF = false;
        if (text.charCodeAt(0) === LF) text = text.slice(1);
      }
      if (this.skippingLine) text = this.skipLine(text);
      if (text.length > 0) {
        this.pending.push(text);
        this.pendingLength += text.length;
      }
    }
    if (this.pendingLength === 0 || (!eof && this.pendingLength < this.retryAtLength)) return out;
    const s = this.pending.length === 1 ? this.pending[0]! : this.pending.join('');
    this.pending = [];
    this.pendingLength = 0;
    this.retryAtLength = 0;
    this.parse(s, eof, out);
    return out;
  }

  private parse(s: string, eof: boolean, out: CsvRecord[]): void {
    const n = s.length;
    let pos = 0;
    while (!this.stopped) {
      const start = pos;
      const found = this.scanRecord(s, start, eof);
      if (found === END) break;
      if (found === BLANK) {
        this.row++;
        pos = this.next;
        continue;
      }
      if (found === RECORD) {
        const problem = this.checkRecord(s, start);
        if (problem === null) {
          out.push({ row: this.row++, fields: this.fields });
          pos = this.next;
        } else {
          pos = this.reportFirstLine(s, start, lineEnd(s, start), problem, out);
        }
        continue;
      }
      if (found === MALFORMED) {
        const end = lineEnd(s, start);
        if (end < n || eof) {
          pos = this.reportFirstLine(s, start, end, this.message, out);
          continue;
        }
        // Its first line has not fully arrived: wait for it (raw needs it) like INCOMPLETE.
      }
      // Keep the incomplete record, unless it is already over the limit: that is decided
      // now, not at EOF, so a stray quote never buffers more than maxRecordBytes.
      if (this.exceedsLimit(s, start, n)) {
        const problem =
          found === MALFORMED
            ? this.message
            : this.incompleteInQuote
              ? `quoted field not closed within ${this.maxRecordBytes} bytes`
              : `record longer than ${this.maxRecordBytes} bytes`;
        const end = lineEnd(s, start);
        pos = this.reportFirstLine(s, start, end, problem, out);
        // No line break yet: the rest of this line is dropped as it arrives.
        if (end === n) this.skippingLine = true;
        continue;
      }
      const rest = s.slice(start);
      this.pending.push(rest);
      this.pendingLength = rest.length;
      // RETRY: rescan once the record has doubled (capped so the limit is seen in time):
      // each character is rescanned O(1) times on average, whatever the chunk size.
      this.retryAtLength = Math.min(2 * rest.length, this.maxRecordBytes + 1);
      return;
    }
    this.dropLeadingLF = !eof && pos === n && s.charCodeAt(n - 1) === CR;
  }

  /** Why a complete record is malformed, or null. Also takes the header. */
  private checkRecord(s: string, start: number): string | null {
    if (this.exceedsLimit(s, start, this.contentEnd)) return `record longer than ${this.maxRecordBytes} bytes`;
    const found = this.fields.length;
    if (this.expectedFields < 0) {
      this.expectedFields = found;
      // The header lives as long as the import: copy it so it does not pin its chunk.
      this.fields = this.fields.map(detach);
      return null;
    }
    return found === this.expectedFields ? null : `expected ${this.expectedFields} fields, found ${found}`;
  }

  private exceedsLimit(s: string, start: number, end: number): boolean {
    const chars = end - start;
    if (chars > this.maxRecordBytes) return true;
    // A UTF-16 unit is at most 3 UTF-8 bytes: only count bytes when it could matter.
    return chars * 3 > this.maxRecordBytes && Buffer.byteLength(s.slice(start, end), 'utf8') > this.maxRecordBytes;
  }

  /** Reports the line [start, end) as malformed; returns where the next physical line starts. */
  private reportFirstLine(s: string, start: number, end: number, problem: string, out: CsvRecord[]): number {
    let rawEnd = Math.min(end, start + RAW_MAX_CHARS);
    if (rawEnd < end && isHighSurrogate(s.charCodeAt(rawEnd - 1))) rawEnd--;
    out.push({ row: this.row++, malformed: problem, raw: detach(s.slice(start, rawEnd)) });
    if (this.expectedFields < 0) this.stopped = true;
    return end < s.length ? afterLineBreak(s, end) : s.length;
  }

  /** Drops text up to and including the first line break; returns what follows it. */
  private skipLine(text: string): string {
    const end = lineEnd(text, 0);
    if (end === text.length) return '';
    this.skippingLine = false;
    if (end === text.length - 1 && text.charCodeAt(end) === CR) this.dropLeadingLF = true;
    return text.slice(afterLineBreak(text, end));
  }

  /**
   * Scans one record starting at `start`. On RECORD sets fields, contentEnd (end of the
   * record's text) and next (after its line break); on BLANK sets next; on MALFORMED sets
   * message; on INCOMPLETE sets incompleteInQuote. Returns INCOMPLETE rather than guess
   * when the answer depends on text not yet received (a `"` at the very end could be `""`).
   */
  private scanRecord(s: string, start: number, eof: boolean): number {
    const n = s.length;
    if (start >= n) return END;
    const first = s.charCodeAt(start);
    if (first === LF || first === CR) {
      this.next = afterLineBreak(s, start);
      return BLANK;
    }
    const delimiter = this.delimiter;
    const fields: string[] = [];
    let i = start;
    for (;;) {
      let c = 0;
      if (i < n && s.charCodeAt(i) === QUOTE) {
        let value = '';
        let from = i + 1;
        for (;;) {
          const q = s.indexOf('"', from);
          if (q === -1 || (q + 1 === n && !eof)) {
            if (eof) {
              this.message = 'unterminated quoted field';
              return MALFORMED;
            }
            this.incompleteInQuote = true;
            return INCOMPLETE;
          }
          if (s.charCodeAt(q + 1) === QUOTE) {
            value += s.slice(from, q + 1);
            from = q + 2;
            continue;
          }
          value += s.slice(from, q);
          i = q + 1;
          break;
        }
        fields.push(value);
        if (i === n) return this.recordAt(fields, n, n); // only reachable at EOF
        c = s.charCodeAt(i);
        if (c === delimiter) {
          i++;
          continue;
        }
        if (c === LF || c === CR) return this.recordAt(fields, i, afterLineBreak(s, i));
        this.message = 'unexpected character after closing quote';
        return MALFORMED;
      }
      let j = i;
      while (j < n) {
        c = s.charCodeAt(j);
        if (c === delimiter || c === LF || c === CR) break;
        j++;
      }
      if (j === n) {
        if (!eof) {
          this.incompleteInQuote = false;
          return INCOMPLETE;
        }
        fields.push(s.slice(i, n));
        return this.recordAt(fields, n, n);
      }
      fields.push(s.slice(i, j));
      if (c === delimiter) {
        i = j + 1;
        continue;
      }
      return this.recordAt(fields, j, afterLineBreak(s, j));
    }
  }

  private recordAt(fields: string[], contentEnd: number, next: number): number {
    this.fields = fields;
    this.contentEnd = contentEnd;
    this.next = next;
    return RECORD;
  }
}

/** Index of the first \r or \n at or after `from`, or s.length: the end of a physical line. */
function lineEnd(s: string, from: number): number {
  const n = s.length;
  let i = from;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === LF || c === CR) return i;
    i++;
  }
  return n;
}

/** Index after the line break at `at` (\n, \r\n or \r). A \r at the very end is settled by dropLeadingLF. */
function afterLineBreak(s: string, at: number): number {
  return s.charCodeAt(at) === CR && s.charCodeAt(at + 1) === LF ? at + 2 : at + 1;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

/**
 * A copy that shares no memory with `s`. V8 slices point into their parent string, so a
 * kept slice would pin a whole chunk. Fields of data rows are NOT copied (speed): a
 * consumer that keeps them past the batch keeps that batch's chunk text alive.
 */
function detach(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf16le').toString('utf16le');
}
