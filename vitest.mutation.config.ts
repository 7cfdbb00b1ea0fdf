import { defineConfig } from 'vitest/config';

/**
 * The tests StrykerJS runs against each mutant of the server (stryker.config.mjs): the server's unit tests
 * and the end-to-end suites over real HTTP on the default (fast) path. The stock-adapter rerun, the client
 * and the contracts add time but judge no server line the others do not.
 */
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'server', root: './apps/server', include: ['src/**/*.test.ts'] } },
      { test: { name: 'e2e', root: './test', include: ['**/*.test.ts'], provide: { trpcFastPath: true }, testTimeout: 30_000, hookTimeout: 60_000 } },
    ],
  },
});
