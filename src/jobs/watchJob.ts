import type pg from 'pg';
import type { ProgressBus, ProgressEvent } from '../progress/progressBus.ts';
import { isTerminal } from './jobStatus.ts';
import type { JobRecord } from './jobRecord.ts';
import { loadJob } from './state/loadJob.ts';
import { toProgressEvent } from './progressMath.ts';

export interface WatchOptions {
  /** With no bus event for this long, the job is re-read from PostgreSQL. @default 1000 */
  quietMs?: number;
}

/**
 * The progress of one job as an async stream: first its current state (a late subscriber never
 * waits), then every change, at least one event per quietMs while it runs, and last the terminal
 * state, after which the stream ends. Never goes backwards.
 *
 * The bus is a fast path, not the source of truth: whenever it is quiet (or Redis is down) the job
 * is re-read from PostgreSQL, so a lost message delays an event by at most quietMs.
 */
export async function* watchJob(
  deps: { pool: pg.Pool; bus: ProgressBus },
  job: JobRecord,
  options: WatchOptions = {},
): AsyncGenerator<ProgressEvent> {
  const quietMs = options.quietMs ?? 1000;
  let pending: ProgressEvent | undefined;
  let wake: (() => void) | undefined;
  // Subscribe before reading the state, so nothing published in between is missed.
  const unsubscribe = await deps.bus.subscribe(job.id, (event) => {
    if (!pending || event.processedRows >= pending.processedRows || isTerminal(event.status)) pending = event;
    wake?.();
  });
  try {
    const first = (await loadJob(deps.pool, job.id)) ?? job;
    let last = toProgressEvent(first);
    yield last;
    while (!isTerminal(last.status)) {
      if (!pending) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, quietMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
      let next = pending;
      pending = undefined;
      if (!next) {
        const fresh = await loadJob(deps.pool, job.id);
        if (!fresh) return;
        next = toProgressEvent(fresh);
      }
      if (!isTerminal(next.status) && (next.processedRows < last.processedRows || next.percent < last.percent)) continue;
      last = next;
      yield last;
    }
  } finally {
    unsubscribe();
  }
}
