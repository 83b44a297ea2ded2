import type { Config } from '../config.ts';
import { MemoryProgressBus } from './memoryProgressBus.ts';
import type { ProgressBus } from '../jobs/progressBus.ts';
import { RedisProgressBus } from './redisProgressBus.ts';

export function createProgressBus(config: Config): ProgressBus {
  return config.redisUrl ? new RedisProgressBus(config.redisUrl, config.redisPrefix, config.redisPublishTimeoutMs) : new MemoryProgressBus();
}
