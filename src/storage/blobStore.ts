import { Transform, type Readable } from 'node:stream';

/**
 * Where uploaded files and export results live. The local directory store is the default;
 * an S3-compatible store implements the same interface.
 *
 * INVARIANT: a key is either absent or holds a complete object. `put` writes to a temporary
 * name and publishes atomically, so a reader never sees a partial upload or export.
 */
export interface BlobStore {
  /** Streams `source` into `key`; rejects (leaving nothing behind) if it fails or exceeds maxBytes. */
  put(key: string, source: Readable, options?: { maxBytes?: number }): Promise<{ bytes: number }>;
  /** A stream of the stored object; errors with code 'ENOENT' when absent. */
  read(key: string): Readable;
  /** Size in bytes, or null when absent. */
  size(key: string): Promise<number | null>;
  delete(key: string): Promise<void>;
  /**
   * A link that downloads the object without going through the API, when the store can issue one
   * (S3 presigned URLs). Stores without it are served by the API's own signed /files route.
   */
  signedUrl?(key: string, options: SignedUrlOptions): Promise<string>;
  /**
   * The object as a file on this machine, for stores that keep them there: the API then serves it
   * with large reads and byte ranges. Null when absent.
   */
  localFile?(key: string): Promise<LocalFile | null>;
}

export interface LocalFile {
  path: string;
  size: number;
  modifiedAt: Date;
}

export interface SignedUrlOptions {
  expiresInSeconds: number;
  fileName: string;
  contentType: string;
}

/** Raised by put when the source is larger than maxBytes. */
export class BlobTooLargeError extends Error {
  readonly code = 'FILE_TOO_LARGE';
  constructor(readonly maxBytes: number) {
    super(`the file is larger than the ${formatBytes(maxBytes)} limit`);
  }
}

export function formatBytes(n: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}`;
}

/** Passes bytes through, counting them, and fails with BlobTooLargeError past maxBytes. */
export class ByteLimit extends Transform {
  bytes = 0;
  constructor(private readonly maxBytes: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) cb(new BlobTooLargeError(this.maxBytes));
    else cb(null, chunk);
  }
}
