import type { Readable } from 'node:stream';

/** Wraps a byte stream, counting bytes read so far and remembering the first bytes (for sniffing). */
export class CountingSource implements AsyncIterable<Buffer> {
  bytesRead = 0;
  head: Buffer | undefined;

  constructor(private readonly stream: Readable) {}

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    for await (const chunk of this.stream as AsyncIterable<Buffer>) {
      if (!this.head) this.head = chunk.subarray(0, 8192);
      this.bytesRead += chunk.length;
      yield chunk;
    }
  }
}

/** A reason the file is not a CSV text file, from its first bytes, or null. */
export function sniffNotCsv(head: Buffer): string | null {
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04)
    return 'the file is a ZIP archive (an .xlsx workbook?), not CSV: save the sheet as "CSV UTF-8" and upload that';
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'the file is gzip-compressed, not CSV: decompress it and upload the .csv';
  if (head.length >= 4 && head[0] === 0x25 && head[1] === 0x50 && head[2] === 0x44 && head[3] === 0x46) return 'the file is a PDF, not CSV';
  if (head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)))
    return 'the file is UTF-16 encoded: save it as "CSV UTF-8" and upload it again';
  if (head.includes(0)) return 'the file contains binary data and is not a CSV text file';
  return null;
}
