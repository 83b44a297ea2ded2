import { buildTemplate, dropStaleTestDatabases } from './testDatabase.ts';

/**
 * Builds the migrated template database once per run (graphile-worker's approach): each test file
 * then clones it in milliseconds.
 */
export default async function setup(): Promise<void> {
  await dropStaleTestDatabases();
  await buildTemplate();
}
