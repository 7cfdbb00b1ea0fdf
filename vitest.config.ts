import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Test files mostly wait on HTTP, Redis and bcrypt workers rather than compute, so one worker more than the
// machine has cores keeps every core busy (Vitest's default, cores - 1, ran one worker on a two-core machine).
const maxWorkers = availableParallelism() + 1;

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'contracts', root: './packages/contracts', include: ['src/**/*.test.ts'] } },
      { test: { name: 'client', root: './packages/client', include: ['src/**/*.test.ts'] } },
      { test: { name: 'server', root: './apps/server', include: ['src/**/*.test.ts'] } },
      { test: { name: 'e2e', root: './test', include: ['**/*.test.ts'], testTimeout: 20_000, hookTimeout: 30_000 } },
      // The same suites through tRPC's stock Fastify adapter (GATEHOUSE_TRPC_FAST_PATH=false): both paths must pass.
      {
        test: {
          name: 'e2e-stock-adapter',
          root: './test',
          include: ['**/*.test.ts'],
          // These compare the two paths with each other, pinning each server's path themselves: once is enough.
          exclude: ['**/node_modules/**', 'fast-trpc-conformance.test.ts', 'fast-lane-logging.test.ts', 'consumer/**'],
          provide: { trpcFastPath: false },
          testTimeout: 20_000,
          hookTimeout: 30_000,
        },
      },
    ],
    maxWorkers,
    typecheck: { enabled: false },
  },
});
