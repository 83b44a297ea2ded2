import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ApiError } from './apiError.ts';

/**
 * Saves a signed link's file at `out`. The link carries its own signature (it may point at S3),
 * so no token is sent. Written beside `out` and renamed at the end: `out` is whole or untouched.
 */
export async function downloadTo(url: string, out: string): Promise<number> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause;
    throw new ApiError(`cannot download ${url}: ${cause?.message ?? (err as Error).message}`, 'CONNECTION', { cause: err });
  }
  if (!res.ok || !res.body) {
    const detail = await res.json().then(
      (b: { error?: { message?: string } }) => b.error?.message,
      () => undefined,
    );
    throw new ApiError(`the download answered HTTP ${res.status}${detail ? `: ${detail}` : ''}`, 'HTTP');
  }
  const partial = `${out}.part-${process.pid}`;
  try {
    await pipeline(Readable.fromWeb(res.body as WebReadableStream), fs.createWriteStream(partial));
    fs.renameSync(partial, out);
  } catch (err) {
    fs.rmSync(partial, { force: true });
    throw new ApiError(`could not save ${out}: ${(err as Error).message}`, 'FILE', { cause: err });
  }
  return fs.statSync(out).size;
}
