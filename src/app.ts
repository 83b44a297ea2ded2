import type { Runner } from 'graphile-worker';
import type { AppServices } from './appServices.ts';
import { createToken } from './auth/tokens.ts';
import type { Config, Role } from './config.ts';
import { startEmbeddedPostgres } from './db/embeddedPostgres.ts';
import { migrate } from './db/migrate.ts';
import { createPool } from './db/pool.ts';
import { createPrisma } from './db/prisma.ts';
import { createHttpServer, type HttpServer } from './http/createHttpServer.ts';
import { createProgressBus } from './progress/createProgressBus.ts';
import { createBlobStore } from './storage/createBlobStore.ts';
import { runWorker } from './worker/runWorker.ts';

export interface RunningApp {
  services: AppServices;
  /** http://host:port/graphql when the API role runs. */
  url: string | undefined;
  /** The dev workspace's token, when one was created at this start. */
  devToken: string | undefined;
  stop(): Promise<void>;
}

/**
 * Starts Bulkport in the given role: 'api' (HTTP + WebSocket), 'worker' (graphile-worker tasks) or
 * 'all' (both, one process). Migrations are applied first, under an advisory lock.
 */
export async function startApp(config: Config, role: Role): Promise<RunningApp> {
  let embedded: { url: string; stop: () => Promise<void> } | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres(config.dataDir, config.embeddedPgPort);
    databaseUrl = embedded.url;
  }
  const pool = createPool(databaseUrl, config.pgPoolSize);
  await migrate(pool);
  const services: AppServices = {
    config,
    pool,
    prisma: createPrisma(pool),
    store: createBlobStore(config),
    bus: createProgressBus(config),
  };

  let devToken: string | undefined;
  if (config.devWorkspace && role !== 'worker') {
    const exists = await services.prisma.workspace.findUnique({ where: { name: 'dev' } });
    if (!exists) devToken = await createToken(services.prisma, 'dev', 'member');
  }

  let runner: Runner | undefined;
  let http: HttpServer | undefined;
  let url: string | undefined;
  if (role === 'worker' || role === 'all') runner = await runWorker({ ...services });
  if (role === 'api' || role === 'all') {
    http = await createHttpServer(services);
    const port = await http.listen(config.port, config.host);
    url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}/graphql`;
  }

  return {
    services,
    url,
    devToken,
    // Order matters: stop taking requests, let running tasks finish, then close connections.
    async stop() {
      await http?.close();
      await runner?.stop();
      await services.bus.close();
      await services.prisma.$disconnect();
      await pool.end();
      await embedded?.stop();
    },
  };
}
