import type { ProgressEvent } from './progressBus.ts';
import { isTerminal } from './jobStatus.ts';
import { mayFollow } from './progressOrder.ts';

const DONE: IteratorReturnResult<undefined> = { value: undefined, done: true };

/**
 * One subscriber's view of a job: an async iterator over its states. It yields `first` at once, then
 * the states the watch offers, never one lower than it already yielded (mayFollow), and ends after the
 * terminal state, when the watch ends it, or on return().
 *
 * A slow reader skips states instead of queueing them: it holds at most one undelivered state, the
 * newest. Not an async generator on purpose: a generator's return() waits until the generator next
 * reaches a yield, so a client that leaves while it waits for an event would keep its watch (and its
 * timers and bus subscription) alive until the next event. Here return() releases at once, and a
 * next() waiting meanwhile resolves as done. One next() at a time, as `for await` calls it.
 */
export class ProgressStream implements AsyncIterableIterator<ProgressEvent> {
  private last: ProgressEvent | undefined;
  private pending: ProgressEvent | undefined;
  private waiter: ((result: IteratorResult<ProgressEvent, undefined>) => void) | undefined;
  private ended = false;

  /** onEnd runs exactly once, whichever way the stream ends. */
  constructor(
    first: ProgressEvent,
    private readonly onEnd: () => void = () => undefined,
  ) {
    this.pending = first;
  }

  /** A newer state of the job, from the watch. */
  offer(event: ProgressEvent): void {
    if (this.ended || !mayFollow(this.last, event)) return;
    if (this.waiter) {
      const resolve = this.waiter;
      this.waiter = undefined;
      resolve(this.deliver(event));
    } else {
      this.pending = event;
    }
  }

  /** Ends the stream without a further state (the client left, the job vanished, the server stops). */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.pending = undefined;
    const resolve = this.waiter;
    this.waiter = undefined;
    resolve?.(DONE);
    this.onEnd();
  }

  next(): Promise<IteratorResult<ProgressEvent, undefined>> {
    const pending = this.pending;
    this.pending = undefined;
    if (pending && mayFollow(this.last, pending)) return Promise.resolve(this.deliver(pending));
    if (this.ended) return Promise.resolve(DONE);
    return new Promise((resolve) => (this.waiter = resolve));
  }

  return(): Promise<IteratorResult<ProgressEvent, undefined>> {
    this.end();
    return Promise.resolve(DONE);
  }

  throw(error?: unknown): Promise<IteratorResult<ProgressEvent, undefined>> {
    this.end();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private deliver(event: ProgressEvent): IteratorYieldResult<ProgressEvent> {
    this.last = event;
    // After the terminal state nothing can follow: release the watch now, the next next() is done.
    if (isTerminal(event.status)) this.end();
    return { value: event, done: false };
  }
}
