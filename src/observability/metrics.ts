import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type pg from 'pg';
import type { ProgressBus } from '../jobs/progressBus.ts';
import type { MetricsPort } from './metricsPort.ts';
import { databaseReachable } from './readiness.ts';

/** What the scrape-time gauges read: set once the process's services exist (src/app.ts). */
export interface MetricSources {
  pool: pg.Pool;
  /** Absent when no REDIS_URL is configured: bulkport_redis_up is then not exported at all. */
  redis?: ProgressBus;
  /** Live progress subscribers of this process (the API role's JobWatches). */
  subscribers?: () => number;
}

/**
 * Every Prometheus metric Bulkport exports, defined here and nowhere else (the README's
 * "Observability" section lists them). One registry per running app, so two apps in one process (the
 * tests) never share counters. Counters and histograms are fed through MetricsPort by the domain;
 * gauges about shared state (queue depth, dependencies up) are read when scraped.
 */
export class Metrics implements MetricsPort {
  readonly registry = new Registry();
  private sources: MetricSources | undefined;

  private readonly rowsProcessed = new Counter({
    name: 'bulkport_rows_processed_total',
    help: 'Import rows committed by merges (succeeded and failed), by entity',
    labelNames: ['entity'] as const,
    registers: [this.registry],
  });
  private readonly rowsFailed = new Counter({
    name: 'bulkport_rows_failed_total',
    help: 'Import rows that failed (validation or duplicates), by entity',
    labelNames: ['entity'] as const,
    registers: [this.registry],
  });
  private readonly jobDuration = new Histogram({
    name: 'bulkport_job_duration_seconds',
    help: 'Time from a job being created to its terminal status, by kind and status',
    labelNames: ['kind', 'status'] as const,
    buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
    registers: [this.registry],
  });
  private readonly tasksRunning = new Gauge({
    name: 'bulkport_tasks_running',
    help: 'Queue tasks this process is running now, by task',
    labelNames: ['task'] as const,
    registers: [this.registry],
  });
  private readonly heartbeats = new Counter({
    name: 'bulkport_worker_heartbeats_total',
    help: "Worker heartbeat writes, by result ('ok' or 'failed')",
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  private readonly reapedPools = new Counter({
    name: 'bulkport_reaped_pools_total',
    help: 'Worker pools the reaper declared dead (stale heartbeat)',
    registers: [this.registry],
  });
  private readonly forcedUnlocks = new Counter({
    name: 'bulkport_forced_unlocks_total',
    help: 'Tasks the reaper freed from dead worker pools (force_unlock_workers)',
    registers: [this.registry],
  });
  private readonly restages = new Counter({
    name: 'bulkport_restages_total',
    help: 'Restages queued because staging was found emptied (PostgreSQL crash recovery)',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // collect() runs with `this` bound to its gauge: the sources are reached through this closure.
    const sources = () => this.sources;
    new Gauge({
      name: 'bulkport_queue_waiting_tasks',
      help: 'Queue tasks that could run now but no worker has taken yet, by task (the same shared value on every process)',
      labelNames: ['task'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        const pool = sources()?.pool;
        if (!pool) return;
        const rows = await queueDepth(pool).catch(() => []);
        for (const r of rows) this.set({ task: r.task }, r.n);
      },
    });
    new Gauge({
      name: 'bulkport_active_subscriptions',
      help: 'jobProgress subscribers this process is serving now',
      registers: [this.registry],
      collect() {
        this.set(sources()?.subscribers?.() ?? 0);
      },
    });
    new Gauge({
      name: 'bulkport_postgres_up',
      help: '1 when PostgreSQL answers this process, 0 otherwise',
      registers: [this.registry],
      async collect() {
        const pool = sources()?.pool;
        this.set(pool && (await databaseReachable(pool)) ? 1 : 0);
      },
    });
  }

  /** Connects the scrape-time gauges to this process's connections. */
  observe(sources: MetricSources): void {
    this.sources = sources;
    if (sources.redis && !this.registry.getSingleMetric('bulkport_redis_up')) {
      const redis = sources.redis;
      new Gauge({
        name: 'bulkport_redis_up',
        help: '1 when Redis answers a PING from this process, 0 otherwise (only exported when REDIS_URL is set)',
        registers: [this.registry],
        async collect() {
          this.set((await redis.isReachable()) ? 1 : 0);
        },
      });
    }
  }

  /** The exposition text for GET /metrics. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  rowsMerged(entity: string, processed: number, failed: number): void {
    this.rowsProcessed.inc({ entity }, processed);
    this.rowsFailed.inc({ entity }, failed);
  }

  jobEnded(kind: string, status: string, seconds: number): void {
    this.jobDuration.observe({ kind, status }, Math.max(0, seconds));
  }

  taskStarted(task: string): () => void {
    this.tasksRunning.inc({ task });
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.tasksRunning.dec({ task });
    };
  }

  heartbeat(ok: boolean): void {
    this.heartbeats.inc({ result: ok ? 'ok' : 'failed' });
  }

  forcedUnlock(pools: number, tasks: number): void {
    this.reapedPools.inc(pools);
    this.forcedUnlocks.inc(tasks);
  }

  restaged(): void {
    this.restages.inc();
  }
}

/** Runnable now and not taken: unlocked, due, with attempts left (graphile-worker's own notion of "ready"). */
async function queueDepth(pool: pg.Pool): Promise<Array<{ task: string; n: number }>> {
  const { rows } = await pool.query<{ task: string; n: number }>(
    `SELECT t.identifier AS task, count(*)::int AS n
     FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
     WHERE j.locked_at IS NULL AND j.run_at <= now() AND j.attempts < j.max_attempts
     GROUP BY t.identifier`,
  );
  return rows;
}
