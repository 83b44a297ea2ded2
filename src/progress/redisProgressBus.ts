import { Redis } from 'ioredis';
import type { ProgressBus, ProgressEvent } from './progressBus.ts';

/**
 * Redis pub/sub bus. INVARIANT: one subscriber connection per process, whatever the number of
 * WebSocket subscribers: channels are reference-counted and fanned out locally.
 */
export class RedisProgressBus implements ProgressBus {
  private readonly pub: Redis;
  private sub: Redis | undefined;
  private readonly listeners = new Map<string, Set<(event: ProgressEvent) => void>>();

  constructor(
    private readonly url: string,
    private readonly prefix: string,
  ) {
    // Publishing must never block a worker on a Redis outage: fail fast, the state is in PostgreSQL.
    this.pub = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
    this.pub.on('error', (err) => warnOnce(`publisher: ${err.message}`));
  }

  private channel(jobId: string): string {
    return `${this.prefix}progress:${jobId}`;
  }

  async publish(event: ProgressEvent): Promise<void> {
    try {
      await this.pub.publish(this.channel(event.jobId), JSON.stringify(event));
    } catch (err) {
      warnOnce(`publish failed: ${(err as Error).message}`);
    }
  }

  private subscriber(): Redis {
    if (!this.sub) {
      const sub = new Redis(this.url, { maxRetriesPerRequest: null });
      sub.on('error', (err) => warnOnce(`subscriber: ${err.message}`));
      sub.on('message', (channel: string, message: string) => {
        const jobId = channel.slice(this.channel('').length);
        const set = this.listeners.get(jobId);
        if (!set) return;
        let event: ProgressEvent;
        try {
          event = JSON.parse(message) as ProgressEvent;
        } catch {
          return;
        }
        for (const listener of set) listener(event);
      });
      this.sub = sub;
    }
    return this.sub;
  }

  async subscribe(jobId: string, listener: (event: ProgressEvent) => void): Promise<() => void> {
    let set = this.listeners.get(jobId);
    let subscribing: Promise<unknown> | undefined;
    if (!set) {
      set = new Set();
      this.listeners.set(jobId, set);
      // ioredis re-subscribes its channels after a reconnect by itself.
      subscribing = this.subscriber().subscribe(this.channel(jobId)).catch((err: Error) => warnOnce(`subscribe: ${err.message}`));
    }
    set.add(listener);
    // Wait a moment for SUBSCRIBE so the caller misses nothing, but never hang on a Redis outage:
    // subscribers fall back to reading PostgreSQL meanwhile.
    if (subscribing) await Promise.race([subscribing, new Promise((resolve) => setTimeout(resolve, 500).unref())]);
    return () => {
      const current = this.listeners.get(jobId);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) {
        this.listeners.delete(jobId);
        this.sub?.unsubscribe(this.channel(jobId)).catch(() => undefined);
      }
    };
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.pub.disconnect();
    this.sub?.disconnect();
  }
}

let lastWarning = '';
function warnOnce(message: string): void {
  if (message === lastWarning) return;
  lastWarning = message;
  console.warn(`[redis] ${message}`);
}
