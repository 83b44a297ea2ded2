import { Logger } from 'graphile-worker';

/** graphile-worker's logger, reduced to warnings and errors: its per-job info lines drown real problems. */
export const workerLogger = new Logger(() => (level, message) => {
  if (level === 'error' || level === 'warning') console.warn(`[queue] ${message}`);
});
