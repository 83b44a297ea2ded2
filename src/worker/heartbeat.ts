import os from 'node:os';
import pg from 'pg';
import { recordHeartbeat, removeHeartbeat } from '../queue/heartbeatSql.ts';

export interface HeartbeatOptions {
  /** This process's id: its database sessions are named after it (sessionName). */
  processId: string;
  intervalMs: number;
  /**
   * How long after its last successful beat this process still trusts that no reaper has declared
   * it dead: less than the reaper's threshold by a margin of beats.
   */
  freshMs: number;
  /** After every beat: ok, or the error it failed with. */
  onBeat?: (ok: boolean, err?: Error) => void;
}

/**
 * This worker process's heartbeat: its pool's row in worker_heartbeats, refreshed every intervalMs
 * on a DEDICATED connection, not the shared pool, which COPYs and merges can exhaust for longer
 * than a heartbeat may wait. The connection is also lent to the reaper (run()).
 *
 * INVARIANT: isFresh() is false unless a beat succeeded within freshMs. Work that commits on behalf
 * of a task checks it (TaskLease), so a worker that was paused or cut off stops committing before
 * another worker can have taken its tasks over.
 */
export class Heartbeat {
  private client: pg.Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastSuccess = -Infinity;
  private poolId: string | undefined;
  /** Serialises use of the one connection (a beat and a reap never interleave). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly connectionString: string,
    private readonly o: HeartbeatOptions,
  ) {}

  /** The pool whose row this process refreshes (a restarted worker pool gets a new id). */
  setPool(poolId: string): void {
    if (poolId === this.poolId) return;
    this.poolId = poolId;
    // A new pool is fresh: until its first row is written the reaper counts only its locks' age, and
    // they are younger than its threshold (reapDeadPools.ts), which freshMs is below.
    this.lastSuccess = performance.now();
    void this.beat();
  }

  /** The pool died: stop refreshing its row, so the reaper frees what it held, and stop trusting it. */
  clearPool(): void {
    this.poolId = undefined;
    this.lastSuccess = -Infinity;
  }

  get currentPool(): string | undefined {
    return this.poolId;
  }

  isFresh(): boolean {
    return performance.now() - this.lastSuccess < this.o.freshMs;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.beat(), this.o.intervalMs);
  }

  /** Runs fn on the dedicated connection, after whatever is using it; reconnects when needed. */
  run<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
    const next = this.queue.then(async () => {
      const client = await this.connect();
      try {
        return await fn(client);
      } catch (err) {
        // A broken connection is replaced on the next use; a query error leaves it as it is.
        if (!isQueryError(err)) this.drop();
        throw err;
      }
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Stops beating; with removeRow, deletes this pool's row (a clean exit, after its last write). */
  async stop(removeRow: boolean): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const poolId = this.poolId;
    if (removeRow && poolId) await this.run((c) => removeHeartbeat(c, poolId)).catch(() => undefined);
    await this.queue;
    this.drop();
  }

  private beat(): Promise<void> {
    const pool = this.poolId;
    if (!pool) return Promise.resolve();
    const started = performance.now();
    return this.run((c) => recordHeartbeat(c, { id: pool, processId: this.o.processId, pid: process.pid, host: os.hostname() })).then(
      () => {
        if (pool === this.poolId) this.lastSuccess = started;
        this.o.onBeat?.(true);
      },
      (err: Error) => this.o.onBeat?.(false, err),
    );
  }

  private async connect(): Promise<pg.Client> {
    if (this.client) return this.client;
    const client = new pg.Client({
      connectionString: this.connectionString,
      connectionTimeoutMillis: this.o.intervalMs,
      application_name: 'bulkport-heartbeat',
    });
    client.on('error', () => this.drop(client)); // the server went away: reconnect on next use
    await client.connect();
    this.client = client;
    return client;
  }

  private drop(client = this.client): void {
    if (!client) return;
    if (client === this.client) this.client = undefined;
    client.end().catch(() => undefined);
  }
}

/** An error PostgreSQL answered (it has a SQLSTATE), as opposed to a lost connection. */
function isQueryError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('08') && !code.startsWith('57P');
}
