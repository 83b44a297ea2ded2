/**
 * Finds the CopyData payloads in the bytes a PostgreSQL backend sends during `COPY … TO STDOUT`,
 * straight from the socket's chunks: no buffer or slice per message, only (from, to) offsets into
 * the chunk. pg-copy-streams took a slice of every message and concatenated them again, which cost
 * about 0.5 s of CPU per million rows (PostgreSQL sends each row as its own CopyData message).
 *
 * Protocol (https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-COPY): every message
 * is a code byte, a 4-byte big-endian length that counts itself but not the code, then the body.
 * CopyOutResponse ('H') comes first, then one CopyData ('d') per row, then CopyDone ('c'); the
 * server may slip NoticeResponse, ParameterStatus and NotificationResponse in between. "Any message
 * type other than CopyData or CopyDone may be treated as terminating copy-out mode": such a message,
 * ErrorResponse ('E') among them, is left unread for the driver to handle.
 */

const COPY_DATA = 0x64; // d
const COPY_DONE = 0x63; // c
const ERROR_RESPONSE = 0x45; // E
/** Messages read and skipped while the copy goes on. */
const SKIPPED = new Set([0x48 /* H CopyOutResponse */, 0x4e /* N NoticeResponse */, 0x53 /* S ParameterStatus */, 0x41 /* A NotificationResponse */]);
const HEADER = 5;

/**
 * Why copy-out mode ended: CopyDone was read ('done'), or the message at the returned offset ends
 * it and is the driver's to read ('error' for ErrorResponse, 'other' for anything else).
 */
export type CopyOutEnd = 'done' | 'error' | 'other';

export class CopyOutFrames {
  /** CopyData messages seen so far: one per row (and one for a CSV header). */
  messages = 0;
  ended: CopyOutEnd | null = null;
  /** The current message's header when a chunk boundary splits it. */
  private readonly header = Buffer.alloc(HEADER);
  private headerBytes = 0;
  private code = 0;
  /** Body bytes of the current message not seen yet. */
  private left = 0;

  /**
   * Reads one chunk, calling `onData(chunk, from, to)` for each piece of CopyData body in it (a
   * chunk boundary may split a body in pieces; the pieces of all calls, in order, are the payload).
   * Returns -1 while copy-out mode goes on; once it ends (see `ended`), the offset of the first byte
   * in the chunk that is not the copy's: the caller hands chunk[offset…] back to the driver.
   * Feeding after the end is a bug and throws.
   */
  feed(chunk: Buffer, onData: (chunk: Buffer, from: number, to: number) => void): number {
    if (this.ended) throw new Error('CopyOutFrames: fed after copy-out mode ended');
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (this.left > 0) {
        const end = this.left < n - i ? i + this.left : n;
        if (this.code === COPY_DATA) onData(chunk, i, end);
        this.left -= end - i;
        i = end;
        continue;
      }
      if (this.headerBytes === 0) {
        const code = chunk[i]!;
        if (code !== COPY_DATA && code !== COPY_DONE && !SKIPPED.has(code)) {
          this.ended = code === ERROR_RESPONSE ? 'error' : 'other';
          return i;
        }
        if (n - i >= HEADER) {
          i = this.begin(code, chunk.readUInt32BE(i + 1), i + HEADER);
          if (this.ended) return i;
          continue;
        }
      }
      this.header[this.headerBytes++] = chunk[i++]!;
      if (this.headerBytes === HEADER) {
        this.headerBytes = 0;
        i = this.begin(this.header[0]!, this.header.readUInt32BE(1), i);
        if (this.ended) return i;
      }
    }
    return -1;
  }

  /** A message's header is read; its body starts at `at`. Returns where reading goes on. */
  private begin(code: number, length: number, at: number): number {
    if (length < 4) throw new Error(`CopyOutFrames: message '${String.fromCharCode(code)}' has an invalid length ${length}`);
    this.code = code;
    this.left = length - 4;
    if (code === COPY_DATA) this.messages++;
    else if (code === COPY_DONE) this.ended = 'done'; // CopyDone has no body
    return at;
  }
}
