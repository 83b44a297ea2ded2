import type pg from 'pg';
import type { ProgressBus, ProgressEvent } from './progressBus.ts';
import type { JobRecord } from './jobRecord.ts';
import { isTerminal } from './jobStatus.ts';
import { JobWatch } from './jobWatch.ts';
import { loadJobs } from './state/loadJobs.ts';
import { isAhead, laterOf } from './progressOrder.ts';
import { toProgressEvent } from './progressMath.ts';
import { ProgressStream } from './progressStream.ts';
import { log } from '../observability/logger.ts';

/** What the watches of this process are doing, for tests and metrics. */
export interface JobWatchStats {
  /** Jobs watched now (one bus subscription each). */
  jobs: number;
  /** Live subscriber streams over all jobs. */
  subscribers: number;
  /** PostgreSQL queries made for re-reads since start (one query reads every due job). */
  reads: number;
  /** Job rows those queries asked for. */
  jobsRead: number;
  /** Events received from the bus. */
  busEvents: number;
}

/**
 * Live progress for every subscriber of this API process. INVARIANT: one JobWatch per job per
 * process, however many subscribers it has: one bus subscription per job, and at most one PostgreSQL
 * re-read per job per quiet interval, made in one query for all the process's due jobs. Reference
 * counted: the first subscriber of a job starts its watch, the last one to leave stops it, and with
 * no watch left no timer runs.
 *
 * The bus is the fast path, PostgreSQL the truth: a job the bus has said nothing about for quietMs
 * (Redis down or paused, a lost message, a job still QUEUED, a chunk that takes long) is re-read, so
 * a subscriber waits at most about quietMs + quietMs/10 + one query for the next state, whatever
 * happens to Redis (with the default 700 ms: under 1 s, the schema's "at least one event a second").
 */
export class JobWatches {
  private readonly watches = new Map<string, JobWatch>();
  private ticker: NodeJS.Timeout | undefined;
  private reading: Promise<void> | undefined;
  private closed = false;
  private readonly counters = { reads: 0, jobsRead: 0, busEvents: 0 };
  private lastWarning = '';

  constructor(
    private readonly deps: { pool: pg.Pool; bus: ProgressBus },
    /** With no bus event for this long, a watched job is re-read from PostgreSQL. */
    private readonly quietMs: number,
  ) {}

  /**
   * The progress of `job` (just read from PostgreSQL by the caller): first its current state, the
   * later of `job` and what the watch already knows, so a late subscriber never waits; then every
   * newer state; last the terminal state, after which the stream ends.
   */
  watch(job: JobRecord): AsyncIterableIterator<ProgressEvent> {
    const own = toProgressEvent(job);
    if (isTerminal(own.status) || this.closed) return new ProgressStream(own);
    const watch = this.watches.get(job.id) ?? this.startWatch(job.id);
    const first = laterOf(own, watch.latest);
    // A fresher state than the watch had is news for every subscriber; the same state is not. Sent
    // anyway, each of N subscribers arriving at once would send every earlier one a repeat: N²/2 events.
    if (isAhead(watch.latest, own)) watch.offer(own);
    const stream = new ProgressStream(first, () => this.leave(watch, stream));
    watch.streams.add(stream);
    return stream;
  }

  private startWatch(jobId: string): JobWatch {
    const watch = new JobWatch(jobId, this.deps.bus, () => this.counters.busEvents++);
    this.watches.set(jobId, watch);
    this.startTicker();
    return watch;
  }

  stats(): JobWatchStats {
    let subscribers = 0;
    for (const watch of this.watches.values()) subscribers += watch.streams.size;
    return { jobs: this.watches.size, subscribers, ...this.counters };
  }

  /**
   * Ends every stream and stops reading. Awaits a re-read under way, so the pool can be closed
   * right after: call it after the transport has closed its connections, before the pool ends.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.stopTicker();
    for (const watch of [...this.watches.values()]) watch.endAll();
    this.watches.clear();
    await this.reading;
  }

  private leave(watch: JobWatch, stream: ProgressStream): void {
    watch.streams.delete(stream);
    if (watch.streams.size > 0 || this.watches.get(watch.jobId) !== watch) return;
    this.watches.delete(watch.jobId);
    watch.releaseBus();
    if (this.watches.size === 0) this.stopTicker();
  }

  // A tick every quietMs/10 bounds how late a due job is read (a tenth past quietMs); the tick itself
  // costs next to nothing when no job is due (the bus is lively), and there is no tick at all when
  // nothing is watched.
  private startTicker(): void {
    if (this.ticker || this.closed) return;
    this.ticker = setInterval(() => this.tick(), Math.max(10, Math.floor(this.quietMs / 10)));
    this.ticker.unref();
  }

  private stopTicker(): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
  }

  private tick(): void {
    if (this.reading || this.closed) return; // at most one re-read in flight per process
    const now = Date.now();
    const due = [...this.watches.values()].filter((w) => !w.ended && now - w.lastHeardAt >= this.quietMs);
    if (due.length === 0) return;
    // Marked heard before the query: a failing database is retried every quietMs, not every tick.
    for (const watch of due) watch.lastHeardAt = now;
    this.reading = this.reread(due).finally(() => (this.reading = undefined));
  }

  private async reread(due: JobWatch[]): Promise<void> {
    this.counters.reads++;
    this.counters.jobsRead += due.length;
    let rows: JobRecord[];
    try {
      rows = await loadJobs(
        this.deps.pool,
        due.map((w) => w.jobId),
      );
    } catch (err) {
      this.warnOnce(`re-reading ${due.length} watched job(s) failed: ${(err as Error).message}`);
      return;
    }
    this.lastWarning = '';
    const byId = new Map(rows.map((row) => [row.id, row]));
    for (const watch of due) {
      const row = byId.get(watch.jobId);
      // A job that no longer exists will never say anything again: end its streams.
      if (!row) watch.endAll();
      else watch.offer(toProgressEvent(row));
    }
  }

  private warnOnce(message: string): void {
    if (message === this.lastWarning) return;
    this.lastWarning = message;
    log('progress').warn(message);
  }
}
