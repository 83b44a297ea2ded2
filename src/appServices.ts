import type pg from 'pg';
import type { Config } from './config.ts';
import type { Db } from './db/prisma.ts';
import type { ProgressBus } from './progress/progressBus.ts';
import type { BlobStore } from './storage/blobStore.ts';

/** The long-lived services of one process, created once in main.ts and passed down. */
export interface AppServices {
  config: Config;
  pool: pg.Pool;
  prisma: Db;
  store: BlobStore;
  bus: ProgressBus;
}
