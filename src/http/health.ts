import type pg from 'pg';
import type { ProgressBus } from '../jobs/progressBus.ts';
import type { Metrics } from '../observability/metrics.ts';
import { checkReadiness } from '../observability/readiness.ts';

export interface ProbeDeps {
  pool: pg.Pool;
  bus: ProgressBus;
  redisConfigured: boolean;
  metrics: Metrics;
  /** Failure reasons name hosts and ports: only shown in development. */
  development: boolean;
}

export interface ProbeAnswer {
  status: number;
  contentType: string;
  body: string;
}

/** The paths every Bulkport process with an HTTP port answers (the API on PORT, a worker on METRICS_PORT). */
export const PROBE_PATHS = ['/healthz', '/readyz', '/metrics'] as const;
export type ProbePath = (typeof PROBE_PATHS)[number];

/**
 * GET /healthz: alive. 200 whenever the process can answer at all, whatever its dependencies: a
 * restart would not bring PostgreSQL back, so an orchestrator's liveness probe must not depend on it.
 * GET /readyz: 200 when PostgreSQL answers, every shipped migration is applied and Redis answers (when
 * REDIS_URL is set); 503 otherwise, with what is wrong: a load balancer sends no traffic meanwhile.
 * GET /metrics: Prometheus exposition of this process's registry.
 * Plain values, so the express app and the worker's bare metrics server answer identically.
 */
export async function answerProbe(path: ProbePath, deps: ProbeDeps): Promise<ProbeAnswer> {
  if (path === '/healthz') return json(200, { status: 'ok' });
  if (path === '/metrics') {
    const { contentType, body } = await deps.metrics.render();
    return { status: 200, contentType, body };
  }
  const readiness = await checkReadiness(deps);
  const checks = deps.development
    ? readiness.checks
    : Object.fromEntries(Object.entries(readiness.checks).map(([k, v]) => [k, v.startsWith('unreachable') ? 'unreachable' : v]));
  return json(readiness.ready ? 200 : 503, { status: readiness.ready ? 'ready' : 'unavailable', checks });
}

function json(status: number, value: unknown): ProbeAnswer {
  return { status, contentType: 'application/json; charset=utf-8', body: JSON.stringify(value) };
}
