import fsp from 'node:fs/promises';
import type { ServerResponse } from 'node:http';

/**
 * Reads of 1 MiB into two buffers used in turn: the next read fills one while the other is being sent.
 *
 * Measured on this machine, serving an 85 MB file to curl: 16 KiB reads reach about 170 MB/s and
 * 1 MiB reads 0.4–1 GB/s. A read stream allocates a fresh buffer for every read (new memory the
 * kernel must fault in and zero), and a pipeline adds a stream hop; reusing two buffers took the
 * server 26–89 ms of CPU per download against 53–370 ms for a 1 MiB read stream piped to the
 * response, in the same interleaved runs.
 */
const READ_SIZE = 1024 * 1024;

/**
 * Writes bytes start…end (inclusive) of the file at `path` to `res`, then ends it. At most two reads
 * are in the kernel's hands or in flight at once: a buffer is read into again only after its last
 * write has been handed to the socket (the write callback), which is also the back-pressure.
 * A client that goes away stops it. A file that cannot be read (deleted meanwhile, a disk error) cuts
 * the response short, as a failure half way must: the client sees an incomplete download. Never throws.
 */
export async function writeFileRange(res: ServerResponse, path: string, start: number, end: number): Promise<void> {
  const gone = new Promise<void>((resolve) => res.once('close', resolve));
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(path, 'r');
    const size = Math.min(READ_SIZE, end + 1 - start);
    const buffers = [Buffer.allocUnsafeSlow(size), Buffer.allocUnsafeSlow(size)];
    const written: Promise<void>[] = [Promise.resolve(), Promise.resolve()];
    let pos = start;
    for (let i = 0; pos <= end; i ^= 1) {
      // http drops a write to a socket destroyed before the response has heard of it, without calling it
      // back: 'close' ends the wait too.
      await Promise.race([written[i], gone]);
      if (res.destroyed || res.writableEnded) return;
      const buffer = buffers[i]!;
      const { bytesRead } = await fh.read(buffer, 0, Math.min(buffer.length, end + 1 - pos), pos);
      if (bytesRead === 0) throw new Error('the file is shorter than its size said');
      pos += bytesRead;
      written[i] = new Promise((resolve) => res.write(buffer.subarray(0, bytesRead), () => resolve()));
    }
    res.end();
  } catch {
    res.destroy();
  } finally {
    await fh?.close();
  }
}
