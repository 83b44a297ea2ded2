import { on } from 'node:events';
import fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { build, stop } from 'esbuild';
import { entityByName } from '../entities/registry.ts';
import { log } from '../observability/logger.ts';
import { ChunkBuffer, type ChunkData } from './chunkBuffer.ts';
import { CountingSource } from './countingSource.ts';
import type { KeyFilter } from './keyFilter.ts';
import { parseChunks, type ChunkControl, type ChunkingPlan, type ParsedEvent } from './parseChunks.ts';
import type { ParseThreadInit } from './parseThread.ts';

type FromThread =
  | { t: 'more' }
  | { t: 'event'; ev: ParsedEvent | { kind: 'chunk'; chunk: ChunkData } }
  | { t: 'done' }
  | { t: 'failed'; message: string; stack?: string; code?: string };

/** The file to parse: a path on this machine (the thread reads it itself), or a byte source this thread feeds. */
export type ThreadInput = { path: string } | { source: CountingSource };

/**
 * parseChunks, run in a worker thread: the same events in the same order, while this thread only
 * commits. A local file is read by the thread from a descriptor opened here (so ENOENT surfaces
 * here, and the descriptor is closed however the thread ends); another store's bytes are fed on
 * request (its read errors surface here as they would inline). This thread releases each chunk as the stage
 * task takes it, which holds the thread to a few chunks ahead. `control.direct` turning false is
 * passed on. The thread ends with the generator, however it ends.
 *
 * The thread runs parseThread.ts bundled by esbuild (once per process, ~20 ms): a worker thread
 * does not inherit the tsx loader, and starting one with it costs half a second. If the bundle
 * cannot be built the file is parsed inline, as a small file is.
 */
export async function* parseInThread(input: ThreadInput, plan: ChunkingPlan, filter: KeyFilter, control: ChunkControl): AsyncGenerator<ParsedEvent> {
  const code = await threadCode().catch((err: unknown) => {
    log('worker').warn({ err }, 'parse thread unavailable: parsing in the task');
    return null;
  });
  const file = 'path' in input ? await fs.open(input.path) : null;
  try {
    const from = file ?? (input as { source: CountingSource }).source;
    if (code === null)
      yield* parseChunks(from instanceof CountingSource ? from : new CountingSource(from.createReadStream({ autoClose: false })), plan, filter, control);
    else yield* runThread(code, from instanceof CountingSource ? from : from.fd, plan, filter, control);
  } finally {
    await file?.close();
  }
}

async function* runThread(
  code: string,
  input: number | CountingSource,
  plan: ChunkingPlan,
  filter: KeyFilter,
  control: ChunkControl,
): AsyncGenerator<ParsedEvent> {
  const entity = entityByName(plan.entity);
  const init: ParseThreadInit = { fd: typeof input === 'number' ? input : undefined, plan, filterWords: filter.handOver(), direct: control.direct };
  // The filter's bits move to the thread (transferred: this thread's copy is unusable after). A young
  // generation of 8 MB keeps the worker process's memory in its budget; the parser's garbage is
  // short-lived rows, collected young either way.
  const worker = new Worker(code, {
    eval: true,
    workerData: init,
    transferList: [init.filterWords.buffer as ArrayBuffer],
    resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
  });
  const abort = new AbortController();
  let failure: unknown = null;
  const fail = (err: unknown) => {
    failure ??= err;
    abort.abort();
  };
  // For the thread's whole life, not only while the loop below listens: an 'error' (out of memory,
  // an uncaught throw) with no listener would end the whole process.
  worker.on('error', fail);
  worker.once('exit', (code) => fail(new Error(`the parse thread exited (code ${code}) before the end of the file`)));

  // The thread asks for bytes while the stage task commits, so requests are answered here, at once,
  // not by the loop below, which waits at each yield for the task to take the chunk.
  const bytes = typeof input === 'number' ? null : input[Symbol.asyncIterator]();
  let stopped = false;
  let feeding: Promise<void> = Promise.resolve();
  const onMore = (m: FromThread) => {
    if (m.t !== 'more' || bytes === null) return;
    feeding = feeding
      .then(async () => {
        if (stopped) return;
        const r = await bytes.next();
        if (!stopped) worker.postMessage(r.done ? { t: 'eof' } : { t: 'bytes', buf: r.value });
      })
      .catch(fail);
  };
  worker.on('message', onMore);

  let directOff = !control.direct;
  try {
    for await (const [m] of on(worker, 'message', { signal: abort.signal }) as AsyncIterable<[FromThread]>) {
      if (m.t === 'more') continue;
      if (m.t === 'failed') {
        // The message is what the job may show; the thread's stack is for the logs only.
        const err = Object.assign(new Error(`the parse thread failed: ${m.message}`), { code: m.code });
        if (m.stack) err.stack = `${err.message}\n  in the parse thread: ${m.stack}`;
        throw err;
      }
      if (m.t === 'done') return;
      const ev = m.ev;
      if (ev.kind === 'chunk') {
        const data = ev.chunk as ChunkData;
        const chunk = ChunkBuffer.fromData(entity, data);
        // The rows' memory goes back to the thread for a later chunk: no new memory per chunk, and
        // none left for this thread's garbage collector, which sees little else to collect.
        chunk.recycle = () => {
          chunk.recycle = null;
          try {
            worker.postMessage({ t: 'recycle', buf: data.rows.buffer }, [data.rows.buffer as ArrayBuffer]);
          } catch {
            // the thread has ended: the memory is simply collected
          }
        };
        yield { kind: 'chunk', chunk };
        worker.postMessage({ t: 'release' });
      } else yield ev;
      if (!control.direct && !directOff) {
        directOff = true;
        worker.postMessage({ t: 'direct-off' });
      }
    }
  } catch (err) {
    throw failure ?? err;
  } finally {
    // A read still in flight is not waited for (a stalled store would hold the task): its bytes are
    // dropped, and the caller's close of the source ends it.
    stopped = true;
    worker.off('message', onMore);
    worker.removeAllListeners('exit');
    await worker.terminate();
    worker.off('error', fail);
  }
}

const YOUNG_GENERATION_MB = 8;

let bundle: Promise<string> | undefined;

/** Builds the thread's code ahead of the first large import (in the background; a failure is tried again then). */
export function prepareParseThread(): void {
  threadCode().catch(() => undefined);
}

function threadCode(): Promise<string> {
  bundle ??= build({
    entryPoints: [fileURLToPath(new URL('./parseThread.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    logLevel: 'silent',
  })
    .then((r) => r.outputFiles[0].text)
    // esbuild builds in a child process it keeps for the next call: there is none, so it goes (a
    // later call would start it again).
    .finally(() => stop());
  bundle.catch(() => (bundle = undefined)); // a failed build is tried again by the next import
  return bundle;
}
