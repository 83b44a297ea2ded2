import type { Request, Response } from 'express';
import rangeParser from 'range-parser';
import type { LocalFile } from '../storage/blobStore.ts';
import { writeFileRange } from './writeFileRange.ts';

/** A validator that changes whenever the file does (exports are written once, under a new key). */
function etagOf(file: LocalFile): string {
  return `"${file.size.toString(16)}-${file.modifiedAt.getTime().toString(16)}"`;
}

/**
 * Sends a stored file with the headers already set by the caller (type, disposition, caching):
 * ETag and Last-Modified, and one byte range (`Range: bytes=…`, `curl -C -`) honoured when
 * `If-Range` (if sent) still matches, so a broken download of a large export resumes instead of
 * starting over. Several ranges are answered with the whole file, which HTTP allows.
 */
export async function sendLocalFile(req: Request, res: Response, file: LocalFile): Promise<void> {
  const etag = etagOf(file);
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('ETag', etag);
  res.setHeader('Last-Modified', file.modifiedAt.toUTCString());

  let start = 0;
  let end = file.size - 1;
  const range = req.headers.range;
  if (range && rangeStillValid(req.get('if-range'), etag, file.modifiedAt)) {
    const ranges = rangeParser(file.size, range, { combine: true });
    if (ranges === -1) {
      res.status(416).setHeader('Content-Range', `bytes */${file.size}`);
      res.end();
      return;
    }
    if (ranges !== -2 && ranges.type === 'bytes' && ranges.length === 1) {
      ({ start, end } = ranges[0]);
      res.status(206).setHeader('Content-Range', `bytes ${start}-${end}/${file.size}`);
    }
  }
  res.setHeader('Content-Length', String(file.size === 0 ? 0 : end - start + 1));
  if (req.method === 'HEAD' || file.size === 0) {
    res.end();
    return;
  }
  // Large reads (the CSV parser keeps its own small ones: it reads through another stream).
  await writeFileRange(res, file.path, start, end);
}

/** If-Range absent, or naming the current ETag or a date not older than the file. */
function rangeStillValid(ifRange: string | undefined, etag: string, modifiedAt: Date): boolean {
  if (!ifRange) return true;
  if (ifRange.startsWith('"') || ifRange.startsWith('W/')) return ifRange === etag;
  const date = Date.parse(ifRange);
  return Number.isFinite(date) && Math.floor(modifiedAt.getTime() / 1000) <= Math.floor(date / 1000);
}
