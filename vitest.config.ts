import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // One copy of graphql for every importer, or schema objects "from another realm" are rejected.
    alias: { graphql: require.resolve('graphql').replace(/index\.js$/, 'index.mjs') },
  },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/helpers/globalSetup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: more parallel files than that only adds contention with PostgreSQL.
    maxWorkers: 2,
    pool: 'forks',
  },
});
