import type { Readable } from 'node:stream';

/**
 * Wraps a byte stream: counts the bytes read so far (for the progress estimate) and lets the
 * caller look at the first chunk before parsing starts (to sniff the format and delimiter).
 */
export class CountingSource implements AsyncIterable<Buffer> {
  bytesRead = 0;
  private readonly it: AsyncIterator<Buffer>;
  private readonly firstRead: Promise<IteratorResult<Buffer>>;
  private first: IteratorResult<Buffer> | undefined;

  constructor(private readonly stream: Readable | AsyncIterable<Buffer>) {
    this.it = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    // Read at once: a stream's iterator listens for its errors only from its first read, and a file
    // that cannot be opened errors before a consumer that starts late (a parse thread) reads it.
    // The error is not lost: head() and the iteration rethrow it.
    this.firstRead = this.it.next();
    this.firstRead.catch(() => undefined);
  }

  /** The first chunk of the file (empty for an empty file); reading it does not consume it. */
  async head(): Promise<Buffer> {
    this.first ??= await this.firstRead;
    return this.first.done ? Buffer.alloc(0) : this.first.value;
  }

  /**
   * Releases the underlying stream (file descriptor or socket), however far it was read. A stream is
   * destroyed first: a read still waiting on it (a parse thread's request, a stalled store) then ends
   * at once instead of holding the close.
   */
  async close(): Promise<void> {
    if ('destroy' in this.stream && typeof this.stream.destroy === 'function') this.stream.destroy();
    await this.it.return?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    await this.head();
    try {
      let r = this.first!;
      while (!r.done) {
        this.bytesRead += r.value.length;
        yield r.value;
        r = await this.it.next();
      }
    } finally {
      await this.it.return?.();
    }
  }
}

/**
 * A reason the file is not a CSV text file, or null. `head` is the start of the file's text as
 * UTF-8 (src/csv/transcode.ts); `raw` the same start as stored, where file signatures are looked for
 * (they are bytes, not text: gzip's 1F 8B would not survive decoding as Windows-1252).
 */
export function sniffNotCsv(head: Buffer, raw: Buffer = head): string | null {
  if (raw.length >= 4 && raw[0] === 0x50 && raw[1] === 0x4b && raw[2] === 0x03 && raw[3] === 0x04)
    return 'the file is a ZIP archive (an .xlsx workbook?), not CSV: save the sheet as "CSV UTF-8" and upload that';
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) return 'the file is gzip-compressed, not CSV: decompress it and upload the .csv';
  if (raw.length >= 4 && raw[0] === 0x25 && raw[1] === 0x50 && raw[2] === 0x44 && raw[3] === 0x46) return 'the file is a PDF, not CSV';
  // UTF-16 files are decoded before this sniff (src/csv/transcode.ts): a BOM still here means the
  // caller forced another encoding onto a UTF-16 file.
  if (head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)))
    return 'the file is UTF-16 encoded (it starts with a UTF-16 byte order mark) but was read as another encoding: import it without `encoding` to detect it';
  // A NUL or two is a bad cell (reported on its row); many of them mean a binary file.
  const sample = head.subarray(0, 8192);
  let nuls = 0;
  for (const b of sample) if (b === 0) nuls++;
  if (nuls >= 8 || (nuls > 0 && nuls / sample.length > 0.1)) return 'the file contains binary data and is not a CSV text file';
  return null;
}

const CANDIDATES = [',', ';', '\t', '|'];

/**
 * The field delimiter, from the header line: the candidate that occurs most often outside quotes
 * (European spreadsheets write ';', some tools tab or '|'). Comma when in doubt.
 */
export function sniffDelimiter(head: Buffer): string {
  const text = head.subarray(0, 64 * 1024).toString('utf8');
  const counts = new Map(CANDIDATES.map((c) => [c, 0]));
  let inQuotes = false;
  for (const ch of text) {
    if (ch === '"') inQuotes = !inQuotes;
    else if (!inQuotes && (ch === '\n' || ch === '\r')) {
      if ([...counts.values()].some((n) => n > 0)) break; // the first non-blank line is the header
    } else if (!inQuotes && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best = ',';
  for (const c of CANDIDATES) if (counts.get(c)! > counts.get(best)!) best = c;
  return best;
}
