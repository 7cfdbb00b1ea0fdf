import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Test files mostly wait on HTTP, Redis and bcrypt workers rather than compute, so one worker more than the
// machine has cores keeps every core busy (Vitest's default, cores - 1, ran one worker on a two-core machine).
const maxWorkers = availableParallelism() + 1;

/**
 * The part of the e2e suite that runs again with every server on another store: the suites that exercise what
 * a store keeps (accounts, sessions and refresh families, revocation, API keys, OAuth codes, the audit chain).
 * Every other suite passes on Redis as well, but for the ones that drive windows with an injected clock the
 * memory store follows (rate-limits, abuse-detection); widen the list locally to run them all.
 */
const STORE_VARIANT_SUITES = [
  'procedures.test.ts',
  'token-rotation.test.ts',
  'token-revocation.test.ts',
  'oauth-token-lifecycle.test.ts',
  'oauth-authorization-code.test.ts',
  'api-keys.test.ts',
  'api-key-lineage-and-admin.test.ts',
  'audit-log.test.ts',
  'login-brute-force.test.ts',
  'client-session.test.ts',
  'removed-principals.test.ts',
  'demoted-admin.test.ts',
  'logout-expired-access-token.test.ts',
];

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
          // The gatehouse-cli suites run the CLI's own processes, which never go through either tRPC path.
          exclude: ['**/node_modules/**', 'fast-trpc-conformance.test.ts', 'fast-lane-logging.test.ts', 'consumer/**', 'gatehouse-cli*.test.ts'],
          provide: { trpcFastPath: false },
          testTimeout: 20_000,
          hookTimeout: 30_000,
        },
      },
      // A representative part of the same suites with every server on Redis (test/support/default-store.ts).
      {
        test: {
          name: 'e2e-redis',
          root: './test',
          include: STORE_VARIANT_SUITES,
          provide: { store: 'redis' },
          testTimeout: 20_000,
          hookTimeout: 30_000,
        },
      },
    ],
    maxWorkers,
    typecheck: { enabled: false },
  },
});
