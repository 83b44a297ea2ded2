/**
 * The body of a parse thread (see parseInThread.ts): parses the bytes its parent sends and posts
 * back the header and each chunk as data. Runs bundled, without the rest of the service: it
 * imports nothing that touches the database, the network or the configuration.
 *
 * The file is read from a descriptor the parent opened (a store that keeps files on this machine),
 * or else sent by the parent: { t: 'bytes', buf } and { t: 'eof' } answer a { t: 'more' }.
 * Other messages from the parent: { t: 'recycle', buf } gives back a chunk's row memory;
 * { t: 'release' } says a posted chunk is being committed; { t: 'direct-off' } that the direct
 * path was refused (chunks from then on are cut in the staging format).
 * To the parent: { t: 'more' }, { t: 'event', ev } (a ParsedEvent, a chunk as ChunkData),
 * { t: 'done' }, { t: 'failed', message, stack, code }.
 */
import fs from 'node:fs';
import os from 'node:os';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { CountingSource } from './countingSource.ts';
import { KeyFilter } from './keyFilter.ts';
import { parseChunks, type ChunkingPlan } from './parseChunks.ts';

export interface ParseThreadInit {
  /** A file descriptor of the stored file, opened by the parent, which closes it; absent: the parent sends the bytes. */
  fd?: number;
  plan: ChunkingPlan;
  filterWords: Int32Array;
  direct: boolean;
}

/**
 * Chunks posted and not yet released: one waits while the task commits the one before it, and the
 * thread fills the next. Parsing is faster than committing, so more would only hold memory.
 */
const CHUNKS_AHEAD = 1;
/** Recycled row buffers kept: at most two chunks are out at once (one committing, one waiting); a third is being cut. */
const SPARES = 2;
/** The thread's nice value (0 is the process's usual, 19 the lowest priority). */
const PARSE_THREAD_NICE = 10;
/** Byte requests kept outstanding, so the parser rarely waits for its parent. */
const READS_AHEAD = 4;
/** Reads of a local file: the batches the parser works through between two looks at its messages. */
const READ_SIZE = 64 * 1024;

function run(port: MessagePort, init: ParseThreadInit): void {
  const control = { direct: init.direct };
  const filter = new KeyFilter(init.plan.keyFilterBits, init.filterWords); // the parent's bits, not a copy
  const received: (Buffer | null)[] = [];
  let requested = 0;
  let ended = false;
  let wake: (() => void) | null = null;
  let unreleased = 0;
  let released: (() => void) | null = null;

  port.on('message', (m: { t: string; buf?: Uint8Array }) => {
    if (m.t === 'bytes' || m.t === 'eof') {
      requested--;
      if (!ended) received.push(m.t === 'eof' ? null : Buffer.from(m.buf!.buffer, m.buf!.byteOffset, m.buf!.byteLength));
      if (m.t === 'eof') ended = true;
      wake?.();
    } else if (m.t === 'release') {
      unreleased--;
      released?.();
    } else if (m.t === 'direct-off') control.direct = false;
    else if (m.t === 'recycle' && spares.length < SPARES) spares.push(m.buf as unknown as ArrayBuffer);
  });

  // Row memory of chunks the task is done with (see ChunkBuffer.recycle), reused for later chunks.
  const spares: ArrayBuffer[] = [];
  const alloc = (bytes: number): Uint8Array => {
    const spare = spares.pop();
    if (spare && spare.byteLength >= bytes) return new Uint8Array(spare);
    return Buffer.allocUnsafeSlow(Math.ceil(bytes * 1.25)); // room for a somewhat larger next chunk
  };

  async function* bytes(): AsyncGenerator<Buffer> {
    for (;;) {
      while (!ended && requested + received.length < READS_AHEAD) {
        requested++;
        port.postMessage({ t: 'more' });
      }
      if (received.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      const next = received.shift();
      if (next === null) return;
      if (next !== undefined) yield next;
    }
  }

  const source = new CountingSource(init.fd === undefined ? bytes() : fs.createReadStream('', { fd: init.fd, autoClose: false, highWaterMark: READ_SIZE }));
  (async () => {
    // One CopyBuffer: each chunk is copied out (toData) before the parser goes on.
    for await (const ev of parseChunks(source, init.plan, filter, control, 1)) {
      if (ev.kind !== 'chunk') {
        port.postMessage({ t: 'event', ev });
        continue;
      }
      const data = ev.chunk.toData(alloc);
      while (unreleased >= CHUNKS_AHEAD) await new Promise<void>((resolve) => (released = resolve));
      released = null;
      unreleased++;
      port.postMessage({ t: 'event', ev: { kind: 'chunk', chunk: data } }, [data.rows.buffer as ArrayBuffer]);
    }
    port.postMessage({ t: 'done' });
  })().catch((err: unknown) =>
    port.postMessage({
      t: 'failed',
      message: err instanceof Error ? err.message : String(err),
      stack: err instanceof Error ? err.stack : undefined,
      code: (err as { code?: unknown })?.code,
    }),
  );
}

if (parentPort) {
  // Linux keeps a nice value per thread, and pid 0 names the calling one: this thread yields the CPU
  // to the task's thread (whose round trips PostgreSQL waits on) and to PostgreSQL itself. The
  // parser has time to spare: it waits for the commits.
  try {
    os.setPriority(0, PARSE_THREAD_NICE);
  } catch {
    // not allowed or not supported here: the thread runs at the process's priority
  }
  run(parentPort, workerData as ParseThreadInit);
}
