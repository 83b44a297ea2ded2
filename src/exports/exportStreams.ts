import { StringDecoder } from 'node:string_decoder';
import { Transform } from 'node:stream';

/**
 * Counts records in a CSV byte stream as it passes: a newline ends a record only outside quotes
 * (a quoted field may hold newlines; `""` toggles twice and changes nothing). JSONL is the same
 * with no quotes to track. The header, if any, is the caller's to subtract.
 */
export class RecordCounter extends Transform {
  records = 0;
  private inQuotes = false;

  constructor(private readonly quoted: boolean) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void): void {
    let n = 0;
    if (this.quoted) {
      let q = this.inQuotes;
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i];
        if (b === 0x22) q = !q;
        else if (b === 0x0a && !q) n++;
      }
      this.inQuotes = q;
    } else {
      for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) n++;
    }
    this.records += n;
    cb(null, chunk);
  }
}

/**
 * COPY's text format doubles every backslash; JSON text from PostgreSQL holds no raw tab or
 * newline, so undoing that is the only unescaping a JSONL line needs. Works on whole lines, so
 * a pair split across chunks is never misread.
 */
export function copyTextToJsonLines(): Transform {
  let rest = '';
  const decoder = new StringDecoder('utf8'); // a chunk may end inside a multi-byte character
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      const text = rest + decoder.write(chunk);
      const end = text.lastIndexOf('\n') + 1;
      rest = text.slice(end);
      cb(null, end > 0 ? text.slice(0, end).replace(/\\\\/g, '\\') : undefined);
    },
    flush(cb) {
      rest += decoder.end();
      cb(null, rest ? rest.replace(/\\\\/g, '\\') : undefined);
    },
  });
}

/**
 * Excel: a UTF-8 BOM first (or it guesses the encoding) and CRLF at the end of each record.
 * Line breaks inside quoted cells stay as they are: they are data, not record ends.
 */
export function excelCompatible(): Transform {
  let first = true;
  let inQuotes = false;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      const parts: Buffer[] = first ? [Buffer.from([0xef, 0xbb, 0xbf])] : [];
      first = false;
      let from = 0;
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i];
        if (b === 0x22) inQuotes = !inQuotes;
        else if (b === 0x0a && !inQuotes) {
          parts.push(chunk.subarray(from, i), CRLF);
          from = i + 1;
        }
      }
      parts.push(chunk.subarray(from));
      cb(null, Buffer.concat(parts));
    },
  });
}

const CRLF = Buffer.from('\r\n');

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const APOSTROPHE = Buffer.from("'");
/** = + - @ tab CR: a cell starting with one of these is run as a formula by spreadsheets. */
const FORMULA_START = new Uint8Array(256);
for (const c of ['=', '+', '-', '@', '\t', '\r']) FORMULA_START[c.charCodeAt(0)] = 1;

/**
 * OWASP's CSV injection rule applied to PostgreSQL's CSV output as it streams: every cell (quoted
 * or not) whose text begins with =, +, -, @, tab or carriage return gets a leading apostrophe, so a
 * spreadsheet shows the text instead of running it. Counts records like RecordCounter. One pass
 * over the bytes, instead of a CASE per cell in SQL (measured: the SQL form doubled export time).
 */
export class CsvCellGuard extends Transform {
  records = 0;
  private inQuotes = false;
  private fieldStart = true;
  private afterOpeningQuote = false;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void): void {
    const parts: Buffer[] = [];
    let from = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (this.fieldStart) {
        this.fieldStart = false;
        if (b === QUOTE) {
          this.inQuotes = true;
          this.afterOpeningQuote = true;
          continue;
        }
        if (FORMULA_START[b]) {
          parts.push(chunk.subarray(from, i), APOSTROPHE);
          from = i;
        }
      } else if (this.afterOpeningQuote) {
        this.afterOpeningQuote = false;
        if (FORMULA_START[b]) {
          parts.push(chunk.subarray(from, i), APOSTROPHE);
          from = i;
          continue;
        }
      }
      if (b === QUOTE) this.inQuotes = !this.inQuotes;
      else if (!this.inQuotes && (b === COMMA || b === LF)) {
        this.fieldStart = true;
        if (b === LF) this.records++;
      }
    }
    if (parts.length === 0) return cb(null, chunk);
    parts.push(chunk.subarray(from));
    cb(null, Buffer.concat(parts));
  }
}
