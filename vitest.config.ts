import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

// Inside this repository `strata/*` means the sources, as tsconfig's `paths` says, so tests and examples
// share one copy of each module with the code under test.
const subpaths = ['workflow', 'activity', 'client', 'worker', 'testing'];

// Tests that need PostgreSQL whatever the project; the engine suite runs in both projects.
const postgresOnly = [
  'test/postgres/**/*.test.ts',
  'src/store/postgres/**/*.test.ts',
  'test/batch/**/*-postgres.test.ts',
];

export default defineConfig({
  resolve: {
    alias: subpaths.map((name) => ({
      find: `strata/${name}`,
      replacement: fileURLToPath(new URL(`./src/${name}/index.ts`, import.meta.url)),
    })),
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'sqlite',
          include: ['test/**/*.test.ts', 'src/**/*.test.ts', 'examples/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...postgresOnly],
        },
      },
      {
        // The engine suite again, every test server on its own PostgreSQL database (see testing.md).
        extends: true,
        test: {
          name: 'postgres',
          include: [
            'test/engine/**/*.test.ts',
            'test/batch/batch-operations.test.ts',
            'test/batch/runbook-override.test.ts',
            ...postgresOnly,
          ],
          env: { STRATA_TEST_STORE: 'postgres' },
          globalSetup: ['test/helpers/postgres-global-setup.ts'],
        },
      },
    ],
  },
});
