import { EventEmitter } from 'node:events';
import type { ProgressBus, ProgressEvent } from '../jobs/progressBus.ts';

/** In-process bus: the default with no REDIS_URL, when API and worker share one process. */
export class MemoryProgressBus implements ProgressBus {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  async publish(event: ProgressEvent): Promise<void> {
    this.emitter.emit(event.jobId, event);
  }

  async subscribe(jobId: string, listener: (event: ProgressEvent) => void): Promise<() => void> {
    this.emitter.on(jobId, listener);
    return () => this.emitter.off(jobId, listener);
  }

  /** Nothing outside the process to reach. */
  async isReachable(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}
