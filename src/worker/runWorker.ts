import { EventEmitter } from 'node:events';
import { run, type Runner, type WorkerEvents } from 'graphile-worker';
import type { CoreServices } from '../appServices.ts';
import { workerLogger } from '../db/workerLogger.ts';
import { Heartbeat } from './heartbeat.ts';
import { startReaper } from './reaper.ts';
import { CRONTAB, taskList } from './taskList.ts';
import type { WorkerContext } from './workerContext.ts';
import { log } from '../observability/logger.ts';
import { prepareParseThread } from '../imports/parseInThread.ts';

export interface RunningWorker {
  /** The current graphile-worker pool's id (tasks it holds have it as locked_by). */
  poolId(): string | undefined;
  /**
   * Graceful stop: takes no new task; a running stage task stops at its next chunk boundary and an
   * export at once, each handing itself back to be continued elsewhere; a running merge (one
   * transaction) finishes. Resolves once every task has ended and its outcome is written.
   */
  stop(): Promise<void>;
}

/** Restart delays after a worker pool dies (e.g. the database went away), in milliseconds. */
const RESTART_DELAYS = [500, 1000, 2000, 5000, 10_000];

/**
 * Runs graphile-worker in this process and keeps it running: a heartbeat, a reaper, and a new
 * worker pool whenever the current one dies (graphile-worker shuts a pool down when it cannot write
 * a task's outcome, e.g. during a database restart). Any number of processes share the work:
 * graphile-worker hands each task to exactly one of them at a time.
 */
export async function runWorker(services: CoreServices): Promise<RunningWorker> {
  const { config } = services;
  const shutdown = { stopping: false };
  const heartbeat = new Heartbeat(services.databaseUrl, {
    processId: services.processId,
    intervalMs: config.heartbeatIntervalMs,
    // Stop committing well before a reaper may declare this process dead.
    freshMs: Math.max(config.heartbeatIntervalMs, config.workerDeadAfterSeconds * 1000 - 2 * config.heartbeatIntervalMs),
    onBeat: (ok, err) => {
      services.metrics.heartbeat(ok);
      if (err) log('worker').warn(`heartbeat failed: ${err.message}`);
    },
  });
  heartbeat.start();
  // Builds the parse thread's code now, not while the first large import waits for it.
  if (config.parseThreadMinBytes <= config.maxUploadBytes) prepareParseThread();
  const reaper = startReaper(heartbeat, {
    intervalMs: config.heartbeatIntervalMs,
    deadAfterSeconds: config.workerDeadAfterSeconds,
    onReaped: (r) => {
      services.metrics.forcedUnlock(r.pools.length, r.tasks);
      log('worker').warn({ pools: r.pools, tasks: r.tasks }, `freed ${r.tasks} task(s) held by dead worker(s) ${r.pools.join(', ')}`);
    },
    onError: (err) => log('worker').warn(`reaper: ${err.message}`),
  });
  const ctx: WorkerContext = { ...services, heartbeat, shutdown };
  const tasks = taskList(ctx);
  let runner: Runner | undefined;
  let restarts = 0;

  const start = async (): Promise<void> => {
    const events = new EventEmitter() as WorkerEvents;
    events.on('pool:create', ({ workerPool }) => heartbeat.setPool(workerPool.id));
    const current = await run({
      pgPool: services.pool,
      concurrency: config.workerConcurrency,
      noHandleSignals: true,
      logger: workerLogger,
      pollInterval: 1000,
      taskList: tasks,
      crontab: CRONTAB,
      events,
      // Outcomes are written at once (and awaited by stop()); a failed write shuts the pool down
      // instead of rejecting unhandled, and this supervisor starts a new pool.
      preset: { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
    });
    runner = current;
    const ended = (why: string) => {
      if (shutdown.stopping || runner !== current) return;
      const delay = RESTART_DELAYS[Math.min(restarts++, RESTART_DELAYS.length - 1)];
      log('worker').warn(`worker pool ${heartbeat.currentPool} stopped (${why}); starting a new one in ${delay} ms`);
      heartbeat.clearPool();
      setTimeout(() => void retryStart(), delay).unref();
    };
    current.promise.then(
      () => ended('it shut down'),
      (err: Error) => ended(err.message),
    );
  };
  const retryStart = async () => {
    if (shutdown.stopping) return;
    try {
      await start();
      restarts = 0;
    } catch (err) {
      const delay = RESTART_DELAYS[Math.min(restarts++, RESTART_DELAYS.length - 1)];
      log('worker').warn(`could not start a worker pool (${(err as Error).message}); retrying in ${delay} ms`);
      setTimeout(() => void retryStart(), delay).unref();
    }
  };
  await start();

  return {
    poolId: () => heartbeat.currentPool,
    async stop() {
      shutdown.stopping = true;
      reaper.stop();
      await runner?.stop().catch((err: Error) => log('worker').warn(err.message));
      await heartbeat.stop(true);
    },
  };
}
