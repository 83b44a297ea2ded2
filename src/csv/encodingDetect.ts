import { isUtf8 } from 'node:buffer';
import { Transform, type TransformCallback } from 'node:stream';
import type { FileEncoding } from './fileEncoding.ts';

/**
 * Which encoding a file is in, decided from ALL of its bytes:
 * 1. a byte order mark decides: EF BB BF is UTF-8, FF FE is UTF-16LE, FE FF is UTF-16BE;
 * 2. otherwise a file that is valid UTF-8 from its first byte to its last is UTF-8;
 * 3. anything else is WINDOWS-1252 (which also reads ISO-8859-1 files).
 *
 * Why the whole file: "not valid UTF-8" may show only at row 900,000 (an ASCII first megabyte,
 * then one Windows-1252 `é`), and by then rows already read could have been decoded the wrong way.
 * So the decision is made BEFORE parsing, by a validity scan of every byte. The scan runs in the
 * same pass that streams the upload to storage (see EncodingSniffer), so it costs no extra read of
 * the file, and node:buffer's isUtf8 (simdutf) checks many gigabytes a second; see the README for
 * the measured figure. A sequence cut by a chunk boundary is carried (at most 3 bytes) and
 * completed from the next chunk, so the answer is the one isUtf8 would give on the whole file.
 *
 * A UTF-8 BOM followed by invalid UTF-8 stays UTF-8: the BOM is the writer's own declaration, and
 * the bad bytes become INVALID_ENCODING row errors rather than silently different letters.
 */
export class EncodingDetector {
  private head = Buffer.alloc(0); // the first bytes, until the BOM question is settled
  private bomSettled = false;
  private result: FileEncoding | null = null; // known before the end (UTF-16 BOM, or invalid UTF-8)
  private hasUtf8Bom = false;
  private readonly utf8 = new Utf8Validator();

  /** True once more bytes cannot change the answer: push() may then be skipped. */
  get decided(): boolean {
    return this.result !== null;
  }

  push(chunk: Uint8Array): void {
    if (this.result !== null || chunk.length === 0) return;
    if (!this.bomSettled) {
      this.head = Buffer.concat([this.head, chunk]);
      if (this.head.length < 3 && startsAsBom(this.head)) return; // could still be a BOM
      this.settleBom();
      chunk = this.head;
      this.head = Buffer.alloc(0);
      if (this.result !== null) return;
    }
    if (!this.utf8.push(chunk)) this.result = this.hasUtf8Bom ? 'UTF-8' : 'WINDOWS-1252';
  }

  /** The file's encoding, once every byte has been pushed. */
  end(): FileEncoding {
    if (!this.bomSettled) {
      this.settleBom();
      if (this.result === null && !this.utf8.push(this.head)) this.result = 'WINDOWS-1252';
    }
    if (this.result !== null) return this.result;
    return this.utf8.end() || this.hasUtf8Bom ? 'UTF-8' : 'WINDOWS-1252';
  }

  private settleBom(): void {
    this.bomSettled = true;
    const h = this.head;
    if (h[0] === 0xff && h[1] === 0xfe) this.result = 'UTF-16LE';
    else if (h[0] === 0xfe && h[1] === 0xff) this.result = 'UTF-16BE';
    else this.hasUtf8Bom = h[0] === 0xef && h[1] === 0xbb && h[2] === 0xbf;
  }
}

/** A prefix of a BOM (EF BB BF, FF FE, FE FF): only then must we wait for more bytes. */
function startsAsBom(b: Buffer): boolean {
  if (b.length === 0) return true;
  if (b[0] === 0xff || b[0] === 0xfe) return b.length < 2;
  return b[0] === 0xef && (b.length < 2 || b[1] === 0xbb);
}

/**
 * Streaming UTF-8 validity: push() chunks in order, then end(). Same answer as isUtf8 on the
 * concatenation, whatever the chunk boundaries. Copies nothing but a cut sequence (≤ 4 bytes).
 */
export class Utf8Validator {
  private carry: Buffer = Buffer.alloc(0);
  private valid = true;

  /** False once the bytes so far cannot be the start of valid UTF-8 (then it stays false). */
  push(chunk: Uint8Array): boolean {
    if (!this.valid) return false;
    let start = 0;
    if (this.carry.length > 0) {
      // Complete the sequence cut by the previous boundary with this chunk's first bytes.
      const need = sequenceLength(this.carry[0]!) - this.carry.length;
      start = Math.min(need, chunk.length);
      this.carry = Buffer.concat([this.carry, chunk.subarray(0, start)]);
      if (start < need) return true; // still incomplete: a tiny chunk
      if (!isUtf8(this.carry)) return (this.valid = false);
      this.carry = Buffer.alloc(0);
    }
    const end = incompleteTailStart(chunk, start);
    if (!isUtf8(chunk.subarray(start, end))) return (this.valid = false);
    if (end < chunk.length) this.carry = Buffer.from(chunk.subarray(end));
    return true;
  }

  /** Whether all the bytes pushed are valid UTF-8 (a sequence cut off by the end is not). */
  end(): boolean {
    return this.valid && this.carry.length === 0;
  }
}

/** Bytes a sequence has, from its first byte; 1 for ASCII and for bytes that cannot start one. */
function sequenceLength(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 1;
}

/**
 * Where a multi-byte sequence that runs past the end of `b` starts, or b.length when none does.
 * Looks back at most 3 bytes (a sequence is at most 4); any other defect is left to isUtf8.
 */
function incompleteTailStart(b: Uint8Array, from: number): number {
  const n = b.length;
  for (let i = n - 1; i >= Math.max(from, n - 3); i--) {
    const c = b[i]!;
    if (c < 0x80) return n;
    if (c >= 0xc0) return i + sequenceLength(c) > n ? i : n;
  }
  return n;
}

/**
 * Passes an upload through unchanged while detecting its encoding; read `encoding` after the
 * stream has finished. Once the answer is known (a UTF-16 BOM, or the first invalid UTF-8 byte)
 * the remaining chunks pass without being looked at.
 */
export class EncodingSniffer extends Transform {
  private readonly detector = new EncodingDetector();
  private detected: FileEncoding | null = null;

  get encoding(): FileEncoding {
    if (this.detected === null) throw new Error('EncodingSniffer: the stream has not finished');
    return this.detected;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (!this.detector.decided) this.detector.push(chunk);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    this.detected = this.detector.end();
    cb();
  }
}
