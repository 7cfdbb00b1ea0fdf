import { defineConfig } from 'vitest/config';

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
          exclude: ['**/node_modules/**', 'fast-trpc-conformance.test.ts', 'consumer/**'],
          provide: { trpcFastPath: false },
          testTimeout: 20_000,
          hookTimeout: 30_000,
        },
      },
    ],
    typecheck: { enabled: false },
  },
});
