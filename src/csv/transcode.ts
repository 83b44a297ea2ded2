import type { FileEncoding } from './fileEncoding.ts';

/** A file's content for the CSV reader, with its first chunk available for sniffing. */
export interface TextSource extends AsyncIterable<Buffer | string> {
  /** The start of the file as UTF-8 bytes (empty for an empty file), for the format and delimiter sniffers. */
  head(): Promise<Buffer>;
}

/** A byte source that lets the caller peek at its first chunk (CountingSource). */
export interface PeekableBytes extends AsyncIterable<Buffer> {
  head(): Promise<Buffer>;
}

/**
 * The file's text, decoded from `encoding` while it streams: one chunk in, one string out, so
 * memory stays flat whatever the file size.
 *
 * UTF-8 is returned AS IS, not decoded here: the CSV reader decodes UTF-8 itself (and drops its
 * BOM), so the common case pays nothing.
 *
 * Bytes that are not text in the encoding become U+FFFD, which the row validator reports as
 * INVALID_ENCODING on the cell: in UTF-16 an unpaired surrogate or an odd final byte; in
 * WINDOWS-1252 the five bytes it leaves undefined (81 8D 8F 90 9D).
 */
export function decodeSource(bytes: PeekableBytes, encoding: FileEncoding): TextSource {
  switch (encoding) {
    case 'UTF-8':
      return bytes;
    case 'UTF-16LE':
    case 'UTF-16BE':
      return new DecodedSource(bytes, utf16Decoder(encoding));
    case 'WINDOWS-1252':
      return new DecodedSource(bytes, decodeWindows1252);
  }
}

/** Decodes one chunk; `last` is true once after the final chunk (with an empty one). */
type ChunkDecoder = (chunk: Buffer, last: boolean) => string;

/**
 * Node's built-in TextDecoder (full ICU: no dependency), in streaming mode so a character or
 * surrogate pair cut by a chunk boundary is joined. fatal: false, so one bad sequence costs one
 * cell (U+FFFD), not the file; ignoreBOM: false, so it drops the byte order mark.
 */
function utf16Decoder(encoding: 'UTF-16LE' | 'UTF-16BE'): ChunkDecoder {
  const decoder = new TextDecoder(encoding === 'UTF-16LE' ? 'utf-16le' : 'utf-16be', { fatal: false, ignoreBOM: false });
  return (chunk, last) => decoder.decode(chunk, { stream: !last });
}

/**
 * Windows-1252 is one byte per character and differs from Latin-1 only in 80..9F, so a chunk is
 * decoded as Latin-1 (V8's fastest decode, one-byte strings) and just those characters are
 * swapped, from WHATWG's table (checked against iconv-lite's in transcode.test.ts). The five bytes
 * Windows-1252 leaves undefined become U+FFFD instead of invisible C1 control characters.
 *
 * Not TextDecoder('windows-1252'): on Node 20 its one-shot decode takes a Latin-1 fast path and
 * gets 80..9F wrong (0x80 gives U+0080, not €; nodejs/node#56542); only its streaming mode goes
 * through ICU, and that was about a third slower than this on 84 MB.
 */
// prettier-ignore
const WINDOWS_1252_80_TO_9F = [
  0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd,
  0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178,
];
const WINDOWS_1252_C1: Record<string, string> = Object.fromEntries(
  WINDOWS_1252_80_TO_9F.map((codePoint, i) => [String.fromCharCode(0x80 + i), String.fromCharCode(codePoint)]),
);
const C1 = /[\u0080-\u009f]/g;

function decodeWindows1252(chunk: Buffer): string {
  return chunk.toString('latin1').replace(C1, (c) => WINDOWS_1252_C1[c]!);
}

class DecodedSource implements TextSource {
  private first: string | undefined;

  constructor(
    private readonly bytes: PeekableBytes,
    private readonly decode: ChunkDecoder,
  ) {}

  async head(): Promise<Buffer> {
    this.first ??= this.decode(await this.bytes.head(), false);
    return Buffer.from(this.first, 'utf8');
  }

  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    await this.head();
    let peeked = true;
    for await (const chunk of this.bytes) {
      // The byte source yields its peeked first chunk again: head() has decoded it already.
      const text = peeked ? this.first! : this.decode(chunk, false);
      peeked = false;
      if (text.length > 0) yield text;
    }
    const rest = this.decode(Buffer.alloc(0), true);
    if (rest.length > 0) yield rest;
  }
}
