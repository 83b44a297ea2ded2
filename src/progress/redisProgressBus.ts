import { Redis } from 'ioredis';
import { log } from '../observability/logger.ts';
import type { ProgressBus, ProgressEvent } from '../jobs/progressBus.ts';

/**
 * Publishes not yet answered by Redis, at most. Past it (Redis paused, or a connection that died
 * without the socket knowing) events are dropped: memory stays bounded and subscribers read
 * PostgreSQL meanwhile.
 */
const MAX_PUBLISHES_IN_FLIGHT = 1000;

type Listener = (event: ProgressEvent) => void;

/**
 * Redis pub/sub bus. INVARIANT: one subscriber connection per process, whatever the number of
 * WebSocket subscribers: channels are reference-counted and fanned out locally.
 *
 * Outages: the subscriber reconnects forever (ioredis's backoff, at most 2 s apart) and re-subscribes
 * every channel it has listeners for on each 'ready'; messages published meanwhile are lost, which is why
 * subscribers re-read PostgreSQL whenever the bus is quiet.
 */
export class RedisProgressBus implements ProgressBus {
  private readonly pub: Redis;
  private sub: Redis | undefined;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly url: string,
    private readonly prefix: string,
    private readonly publishTimeoutMs: number,
  ) {
    // No offline queue: while Redis is away a publish fails at once instead of piling up. A Redis
    // that is connected but does not answer (CLIENT PAUSE, a hung server) is bounded by commandTimeout.
    this.pub = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: publishTimeoutMs });
    watchConnection(this.pub, 'publisher');
  }

  private channel(jobId: string): string {
    return `${this.prefix}progress:${jobId}`;
  }

  /**
   * INVARIANT: never waits for Redis, whatever state it is in: workers call this after every commit,
   * and a merge must not stall on a fast path. The event is handed to the connection and the call
   * returns; it is dropped when Redis is not connected or too many publishes are unanswered.
   */
  async publish(event: ProgressEvent): Promise<void> {
    if (this.pub.status !== 'ready') return warnOnce('publish', `publish skipped: Redis is ${this.pub.status}`);
    if (this.inFlight.size >= MAX_PUBLISHES_IN_FLIGHT) return warnOnce('publish', `publish skipped: ${MAX_PUBLISHES_IN_FLIGHT} publishes unanswered`);
    const sent: Promise<unknown> = this.pub
      .publish(this.channel(event.jobId), JSON.stringify(event))
      .catch((err: Error) => warnOnce('publish', `publish failed: ${err.message}`))
      .finally(() => this.inFlight.delete(sent));
    this.inFlight.add(sent);
  }

  private subscriber(): Redis {
    if (!this.sub) {
      // ioredis re-subscribes after a reconnect (autoResubscribe). A safeguard besides: after a lost
      // connection comes back, SUBSCRIBE again to every channel that has listeners now (a no-op for
      // those ioredis re-subscribed), so the channels match this.listeners whatever happened meanwhile.
      const sub = new Redis(this.url, { maxRetriesPerRequest: null, autoResubscribe: true });
      watchConnection(sub, 'subscriber', () => `, re-subscribing ${this.listeners.size} channel(s)`);
      let lost = false;
      sub.on('close', () => (lost = true));
      sub.on('ready', () => {
        if (!lost) return;
        lost = false;
        const channels = [...this.listeners.keys()].map((jobId) => this.channel(jobId));
        if (channels.length > 0) sub.subscribe(...channels).catch((err: Error) => warnOnce('subscriber', `re-subscribe: ${err.message}`));
      });
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

  async subscribe(jobId: string, listener: Listener): Promise<() => void> {
    let set = this.listeners.get(jobId);
    let subscribing: Promise<unknown> | undefined;
    if (!set) {
      set = new Set();
      this.listeners.set(jobId, set);
      subscribing = this.subscriber()
        .subscribe(this.channel(jobId))
        .catch((err: Error) => warnOnce('subscriber', `subscribe: ${err.message}`));
    }
    set.add(listener);
    // Wait a moment for SUBSCRIBE so the caller misses nothing, but never hang on a Redis outage:
    // subscribers fall back to reading PostgreSQL meanwhile.
    if (subscribing) await Promise.race([subscribing, new Promise((resolve) => setTimeout(resolve, 500).unref())]);
    return () => {
      const current = this.listeners.get(jobId);
      if (!current?.delete(listener) || current.size > 0) return;
      this.listeners.delete(jobId);
      this.sub?.unsubscribe(this.channel(jobId)).catch(() => undefined);
    };
  }

  /** The publisher connection is up and answers a PING (within commandTimeout: a paused Redis does not). */
  async isReachable(): Promise<boolean> {
    if (this.pub.status !== 'ready') return false;
    return this.pub.ping().then(
      () => true,
      () => false,
    );
  }

  async close(): Promise<void> {
    this.listeners.clear();
    // Let events already handed over arrive (a worker's last state), but never wait on an outage:
    // commandTimeout settles each of them, and this bound covers a connection that never answers.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled(this.inFlight), new Promise((resolve) => (timer = setTimeout(resolve, this.publishTimeoutMs)))]);
    clearTimeout(timer);
    this.pub.disconnect();
    this.sub?.disconnect();
  }
}

/** The last warning per topic: an outage is logged once, not once per chunk or reconnect attempt. */
const lastWarnings = new Map<string, string>();
function warnOnce(topic: string, message: string): void {
  if (lastWarnings.get(topic) === message) return;
  lastWarnings.set(topic, message);
  log('redis').warn(message);
}

/** Logs a connection's first error of an outage and its recovery, and re-arms the warnings then. */
function watchConnection(redis: Redis, name: string, onRecovery: () => string = () => ''): void {
  let lost = false;
  redis.on('error', (err: Error) => warnOnce(name, `${name}: ${err.message}`));
  redis.on('close', () => (lost = true));
  redis.on('ready', () => {
    if (!lost) return;
    lost = false;
    lastWarnings.delete(name);
    lastWarnings.delete('publish');
    log('redis').warn(`${name} connected again${onRecovery()}`);
  });
}
