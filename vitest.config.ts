import { createRequire } from 'node:module';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

const require = createRequire(import.meta.url);

const shared = {
  resolve: {
    // Vite would pick graphql's ESM build for our files while Pothos and Yoga (run by Node) load the
    // CommonJS one: two copies of graphql in one process break `instanceof`. Node's own choice wins.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
};
const testDefaults = {
  environment: 'node',
  pool: 'forks',
  testTimeout: 60_000,
  hookTimeout: 60_000,
} as const;

/**
 * Every test that stores something runs again on PostgreSQL, each app on a database of its own
 * (test/helpers/database.ts). Unit tests, the browser test and the test that reads SQLite's own
 * files run on SQLite only.
 */
const POSTGRES_TESTS = [
  'test/api/**/*.test.ts',
  'test/db/**/*.test.ts',
  'test/subscriptions/**/*.test.ts',
  'test/process/**/*.test.ts',
  'test/providers/credentials.test.ts',
  'test/cluster/**/*.test.ts',
];

const projects: TestProjectInlineConfiguration[] = [
  { ...shared, test: { ...testDefaults, name: 'sqlite', include: ['test/**/*.test.ts'] } },
  {
    ...shared,
    test: {
      ...testDefaults,
      name: 'postgresql',
      include: POSTGRES_TESTS,
      // The sqlite-vec index lives in the SQLite file; on PostgreSQL the vector index is in memory.
      exclude: [
        'test/api/client-files.test.ts',
        'test/db/vector-index.test.ts',
        'test/api/dense-retrieval.test.ts',
      ],
      env: { LLMFORGE_TEST_DB: 'postgresql' },
    },
  },
];

export default defineConfig({
  ...shared,
  test: {
    projects,
    // Most files spend their time waiting on child servers, sockets, PostgreSQL and the browser: on a
    // 2-core machine, two at a time took the suite from 766 s to 548 s. Vitest's default is cores − 1.
    maxWorkers: 2,
  },
});
