import type { ProgressBus, ProgressEvent } from './progressBus.ts';
import { isTerminal } from './jobStatus.ts';
import { mayFollow } from './progressOrder.ts';
import type { ProgressStream } from './progressStream.ts';
import { log } from '../observability/logger.ts';

/**
 * What one API process knows of one job's progress, shared by all its subscribers in the process:
 * one bus subscription, the most advanced state seen (`latest`), and the streams it fans out to.
 * JobWatches creates it for the first subscriber, re-reads PostgreSQL for it when the bus is quiet,
 * and drops it when the last subscriber leaves.
 */
export class JobWatch {
  latest: ProgressEvent | undefined;
  /** When the bus or a re-read last said something about this job (ms since the epoch; 0: never). */
  lastHeardAt = 0;
  readonly streams = new Set<ProgressStream>();
  private readonly unsubscribe: Promise<(() => void) | undefined>;
  private subscribed = true;

  constructor(
    readonly jobId: string,
    bus: ProgressBus,
    onBusEvent: () => void = () => undefined,
  ) {
    // Not awaited: subscribers get their first state from PostgreSQL at once, and the first re-read
    // (due at once, lastHeardAt = 0) catches whatever was published before SUBSCRIBE took effect.
    this.unsubscribe = bus
      .subscribe(jobId, (event) => {
        onBusEvent();
        this.lastHeardAt = Date.now();
        this.offer(event);
      })
      .catch((err: Error) => {
        log('progress').warn({ jobId }, `could not subscribe: ${err.message}`);
        return undefined;
      });
  }

  /** True once the terminal state has been fanned out: nothing more to listen for or read. */
  get ended(): boolean {
    return this.latest !== undefined && isTerminal(this.latest.status);
  }

  /** Fans a state out to every stream, unless it is behind what the watch has already seen. */
  offer(event: ProgressEvent): void {
    if (!mayFollow(this.latest, event)) return;
    this.latest = event;
    for (const stream of this.streams) stream.offer(event);
    if (this.ended) this.releaseBus();
  }

  /** Ends every stream without a further state, and leaves the bus. */
  endAll(): void {
    for (const stream of [...this.streams]) stream.end();
    this.releaseBus();
  }

  /** Leaves the bus (once), even if SUBSCRIBE is still under way. */
  releaseBus(): void {
    if (!this.subscribed) return;
    this.subscribed = false;
    void this.unsubscribe.then((unsubscribe) => unsubscribe?.());
  }
}
