import { Logger } from 'graphile-worker';
import { log } from '../observability/logger.ts';

/**
 * graphile-worker's logger, written through pino. Its 'info' lines (a line per task started and
 * completed, per worker connected) go out at debug: at LOG_LEVEL=info they would drown real problems,
 * and Bulkport's own task lines already say what ran (src/worker/runJobTask.ts). Its scope's numeric
 * jobId is a queue row, not a Bulkport job: it is logged as taskId so that `jobId` always means a job.
 */
export const workerLogger = new Logger((scope) => (level, message, meta) => {
  const fields = {
    ...(scope.workerId ? { workerId: scope.workerId } : {}),
    ...(scope.taskIdentifier ? { task: scope.taskIdentifier } : {}),
    ...(scope.jobId !== undefined ? { taskId: String(scope.jobId) } : {}),
    ...metaFields(meta),
  };
  const logger = log('queue');
  if (level === 'error') logger.error(fields, message);
  else if (level === 'warning') logger.warn(fields, message);
  else logger.debug(fields, message);
});

/** Its meta, with an `error` under pino's `err` key: pino serialises Errors there (message, stack, code); elsewhere they print as {}. */
function metaFields(meta: unknown): Record<string, unknown> {
  if (!meta || typeof meta !== 'object') return {};
  const { error, ...rest } = meta as { error?: unknown };
  return { ...(error !== undefined ? { err: error } : {}), ...(Object.keys(rest).length > 0 ? { meta: rest } : {}) };
}
