import http from 'node:http';
import { log } from '../observability/logger.ts';
import { answerProbe, PROBE_PATHS, type ProbeDeps, type ProbePath } from './health.ts';

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * A worker process's own small HTTP server (METRICS_PORT): GET /metrics, /healthz and /readyz,
 * nothing else. A worker has no API port, and a scraper or an orchestrator still needs to reach it.
 */
export async function startMetricsServer(deps: ProbeDeps, port: number, host: string): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://worker').pathname;
    if (req.method !== 'GET' || !(PROBE_PATHS as readonly string[]).includes(path)) {
      res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ error: 'not found' }));
      return;
    }
    answerProbe(path as ProbePath, deps).then(
      (a) => res.writeHead(a.status, { 'content-type': a.contentType }).end(a.body),
      (err: Error) => {
        log('metrics').error({ err }, `${path} failed`);
        res.writeHead(500).end();
      },
    );
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
