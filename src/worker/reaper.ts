import { reapDeadPools, type Reaped } from '../queue/reapDeadPools.ts';
import type { Heartbeat } from './heartbeat.ts';

export interface ReaperOptions {
  intervalMs: number;
  deadAfterSeconds: number;
  onReaped?: (reaped: Reaped) => void;
  onError?: (err: Error) => void;
}

/**
 * Every worker process runs one, on a timer: not a cron task, which runs once a minute and needs a
 * free task slot, exactly what a busy or dying worker does not have. Several run at once safely
 * (reapDeadPools takes an advisory lock). Uses the heartbeat's dedicated connection.
 */
export function startReaper(heartbeat: Heartbeat, o: ReaperOptions): { stop(): void } {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    heartbeat
      .run((client) => reapDeadPools(client, o.deadAfterSeconds))
      .then(
        (reaped) => reaped.pools.length > 0 && o.onReaped?.(reaped),
        (err: Error) => o.onError?.(err),
      )
      .finally(() => (running = false));
  }, o.intervalMs);
  return { stop: () => clearInterval(timer) };
}
