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
/**
 * The part of STORE_VARIANT_SUITES that runs end to end on the Redis Cluster in `pnpm test` (each suite costs a
 * CI host seconds): refresh families, revocation (user and family tags meeting), OAuth codes, refresh grace.
 * API key lineages and the audit chain run there as store suites (apps/server/src/stores/redis) and through
 * three processes (test/cluster). Every STORE_VARIANT_SUITES file passes on the cluster too: widen this list
 * locally to run them all.
 */
const CLUSTER_SUITES = ['token-rotation.test.ts', 'token-revocation.test.ts', 'oauth-authorization-code.test.ts', 'refresh-grace.test.ts'];

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
  'attribute-policies.test.ts',
  'token-network.test.ts',
];

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'contracts', root: './packages/contracts', include: ['src/**/*.test.ts'] } },
      { test: { name: 'client', root: './packages/client', include: ['src/**/*.test.ts'] } },
      { test: { name: 'server', root: './apps/server', include: ['src/**/*.test.ts'] } },
      // test/browser has a project of its own (below): it drives Chromium, and runs once. Failure drills
      // (test/drills/) kill Redis servers and Gatehouse processes: their own project, below.
      { test: { name: 'e2e', root: './test', include: ['**/*.test.ts'], exclude: ['**/node_modules/**', 'browser/**', 'drills/**'], testTimeout: 20_000, hookTimeout: 30_000 } },
      // The same suites through tRPC's stock Fastify adapter (GATEHOUSE_TRPC_FAST_PATH=false): both paths must pass.
      {
        test: {
          name: 'e2e-stock-adapter',
          root: './test',
          include: ['**/*.test.ts'],
          // These compare the two paths with each other, pinning each server's path themselves: once is enough.
          // cluster/ and drills/ spawn whole processes (their own adapter choice); e2e and e2e-redis-cluster run them.
          // The gatehouse-cli suites run the CLI's own processes, which never go through either tRPC path.
          exclude: ['**/node_modules/**', 'fast-trpc-conformance.test.ts', 'fast-lane-logging.test.ts', 'consumer/**', 'browser/**', 'cluster/**', 'drills/**', 'gatehouse-cli*.test.ts'],
          provide: { trpcFastPath: false },
          testTimeout: 20_000,
          hookTimeout: 30_000,
        },
      },
      // Real Chromium (Debian's, /usr/bin/chromium) through apps/web and the authorize page: README "Browser tests".
      { test: { name: 'browser', root: './test', include: ['browser/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 90_000 } },
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
      // The same part with records in PostgreSQL and hot state in Redis (GATEHOUSE_STORE=postgres).
      {
        test: {
          name: 'e2e-postgres',
          root: './test',
          include: STORE_VARIANT_SUITES,
          provide: { store: 'postgres' },
          testTimeout: 20_000,
          hookTimeout: 30_000,
        },
      },
      // A representative part again with every server on a real Redis Cluster (three masters, three replicas)
      // that the globalSetup starts on free loopback ports, with the Redis store behaviour suites and the
      // multi-instance tests on it (test/cluster/).
      {
        test: {
          name: 'e2e-redis-cluster',
          root: '.',
          include: [
            ...CLUSTER_SUITES.map((suite) => `test/${suite}`),
            'apps/server/src/stores/redis/*.test.ts',
            'apps/server/src/ratelimit/limiter-factory.test.ts',
            'test/cluster/*.test.ts',
          ],
          globalSetup: ['test/cluster/redis-cluster-global-setup.ts'],
          provide: { store: 'redis-cluster' },
          testTimeout: 20_000,
          hookTimeout: 60_000,
        },
      },
      // Failure drills: each kills something on purpose (its own redis-server or cluster on free ports, or a
      // Gatehouse process) and bounds how long the service takes to come back.
      {
        test: { name: 'drills', root: './test', include: ['drills/*.test.ts'], testTimeout: 90_000, hookTimeout: 90_000 },
      },
    ],
    maxWorkers,
    typecheck: { enabled: false },
  },
});
