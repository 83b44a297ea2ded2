import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // One copy of graphql for every importer, the CommonJS one that Node gives the packages vitest does not
    // transform (graphql-ws, @graphql-tools): otherwise schemas and errors "from another realm" are rejected.
    alias: { graphql: require.resolve('graphql') },
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
