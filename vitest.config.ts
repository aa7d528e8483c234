import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Inside this repository `strata/*` means the sources, as tsconfig's `paths` says, so tests and examples
// share one copy of each module with the code under test.
const subpaths = ['workflow', 'activity', 'client', 'worker', 'testing'];

export default defineConfig({
  resolve: {
    alias: subpaths.map((name) => ({
      find: `strata/${name}`,
      replacement: fileURLToPath(new URL(`./src/${name}/index.ts`, import.meta.url)),
    })),
  },
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
