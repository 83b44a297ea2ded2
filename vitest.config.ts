import { createRequire } from 'node:module';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // One copy of graphql for every importer, the CommonJS one that Node gives the packages vitest does not
    // transform (graphql-ws, @graphql-tools): otherwise schemas and errors "from another realm" are rejected.
    alias: { graphql: require.resolve('graphql') },
  },
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: more parallel files than that only adds contention with PostgreSQL.
    maxWorkers: 2,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'server',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          // The template database; and the web app built from the current sources, for the browser tests.
          globalSetup: ['test/helpers/globalSetup.ts', 'test/helpers/webAppBuild.ts'],
        },
      },
      {
        extends: true,
        plugins: [react()],
        test: {
          // Component tests of the web app: a DOM, and no database.
          name: 'web',
          include: ['web/src/**/*.test.{ts,tsx}'],
          environment: 'happy-dom',
        },
      },
    ],
  },
});
