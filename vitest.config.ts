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
 * A suite that loops over `projectStores()` (test/support/default-store.ts) runs on memory in e2e and on
 * Redis here, so it must be listed: otherwise it is never run on Redis.
 */
/**
 * The part of STORE_VARIANT_SUITES that runs end to end on the Redis Cluster in `pnpm test` (each suite costs a
 * CI host seconds): refresh families, revocation (user and family tags meeting), OAuth codes, refresh grace.
 * API key lineages and the audit chain run there as store suites (apps/server/src/stores/redis) and through
 * three processes (test/cluster). `GATEHOUSE_TEST_WHOLE_SUITE=1 pnpm vitest run --project e2e-redis-cluster`
 * runs the STORE_VARIANT_SUITES files on the cluster instead, less health-probes, whose outage cases cut one
 * Redis through a proxy (a cluster's readiness is the cluster-master drill's).
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
  'refresh-grace.test.ts',
  'second-factor-step-up.test.ts',
  'oauth-authorize-second-factor.test.ts',
  // Suites that looped over both stores in every project before e2e-redis existed.
  'audit-flood.test.ts',
  'failed-auth-budget.test.ts',
  'health-probes.test.ts',
  'login-blocked-accounting.test.ts',
  'oauth-revoke-ownership.test.ts',
  'refresh-cookie.test.ts',
  'session-tabs.test.ts',
  'token-canonical-encoding.test.ts',
  // DPoP proof ids (replays refused) live in the store.
  'dpop.test.ts',
];

/**
 * The part of the e2e suite that runs again through tRPC's stock Fastify adapter (GATEHOUSE_TRPC_FAST_PATH=false).
 * Every suite about the HTTP path itself is here: what the fast lane does in place of Fastify (CORS, security
 * headers, edge errors and request ids, timeouts, client IP and proxies, client certificates, credentials in
 * URLs, 500 masking, 429s and their headers, batching, cookies and the CSRF header, the 401/403 of every
 * procedure, the request metrics); and a representative part of the rest (every procedure, API keys, a session
 * client, the OpenAPI wire). Suites about what sits behind the path (stores, OAuth endpoints, which Fastify
 * serves on both paths, the audit log, the server process) run on the fast path only. Widen the list locally
 * to run them all. fast-trpc-conformance and fast-lane-logging compare both paths themselves, so they run once.
 */
const HTTP_PATH_SUITES = [
  'http-edge.test.ts',
  'edge-errors.test.ts',
  'slow-clients.test.ts',
  'hostile-payloads.test.ts',
  'trust-proxy.test.ts',
  'dual-stack-budgets.test.ts',
  'credentials-never-logged.test.ts',
  'trpc-path.test.ts',
  'mutual-tls.test.ts',
  'mutual-tls-refused-certificates.test.ts',
  'production-failures.test.ts',
  'rate-limits.test.ts',
  'client-retry.test.ts',
  'typed-client.test.ts',
  'auth-matrix.test.ts',
  'forged-tokens.test.ts',
  'failed-auth-budget.test.ts',
  'refresh-cookie.test.ts',
  'logout-expired-access-token.test.ts',
  'metrics.test.ts',
  // A representative part of the rest.
  'procedures.test.ts',
  'api-keys.test.ts',
  'client-session.test.ts',
  'openapi-document.test.ts',
];

/**
 * `GATEHOUSE_TEST_WHOLE_SUITE=1 pnpm vitest run --project e2e-postgres` (or e2e-redis) runs every e2e suite on
 * that store, not only STORE_VARIANT_SUITES: what `pnpm test` leaves out to stay within CI's time, run when a
 * store changes (README, "Choosing a store").
 */
const wholeSuite = process.env['GATEHOUSE_TEST_WHOLE_SUITE'] === '1';
const E2E_SUITES = ['**/*.test.ts'];
const E2E_EXCLUDED = ['**/node_modules/**', 'browser/**', 'drills/**', 'cluster/**'];
const storeSuites = wholeSuite ? E2E_SUITES : STORE_VARIANT_SUITES;

export default defineConfig({
  test: {
    projects: [
      // Unit tests share each worker's module graph (isolate: false): re-importing the server for every file
      // in a fresh process was most of these projects' CPU time (server: 41 s user CPU isolated, 16 s shared).
      // Nothing in them leaves module state behind (fake timers are restored by the test that sets them), and
      // shuffled runs check that (README, Tests).
      { test: { name: 'contracts', root: './packages/contracts', include: ['src/**/*.test.ts'], isolate: false } },
      { test: { name: 'client', root: './packages/client', include: ['src/**/*.test.ts'], isolate: false } },
      { test: { name: 'cli', root: './apps/cli', include: ['src/**/*.test.ts'], isolate: false } },
      // 20 s as in e2e: bcrypt at cost 10 and the Redis stores' volume tests outlast 5 s on a loaded two-core host.
      { test: { name: 'server', root: './apps/server', include: ['src/**/*.test.ts'], isolate: false, testTimeout: 20_000 } },
      // test/browser has a project of its own (below): it drives Chromium, and runs once. Failure drills
      // (test/drills/) kill Redis servers and Gatehouse processes: their own project, below.
      // The e2e projects share each worker's module graph too (isolate: false): importing the whole server for
      // every file was about 40 % of their CPU (e2e-stock-adapter: 109 s isolated, 64 s shared). Each file
      // starts and closes its own servers, and fake timers are restored by whoever sets them.
      // test/cluster/hash-tag-spread is about how keys spread over a cluster's masters: e2e-redis-cluster only.
      {
        test: {
          name: 'e2e',
          root: './test',
          include: ['**/*.test.ts'],
          exclude: ['**/node_modules/**', 'browser/**', 'drills/**', 'cluster/hash-tag-spread.test.ts'],
          isolate: false,
          testTimeout: 20_000,
          hookTimeout: 30_000,
        },
      },
      // The suites about the HTTP path through tRPC's stock Fastify adapter (GATEHOUSE_TRPC_FAST_PATH=false).
      {
        test: {
          name: 'e2e-stock-adapter',
          root: './test',
          include: HTTP_PATH_SUITES,
          provide: { trpcFastPath: false },
          isolate: false,
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
          include: storeSuites,
          exclude: E2E_EXCLUDED,
          provide: { store: 'redis' },
          isolate: false,
          testTimeout: 20_000,
          hookTimeout: 30_000,
        },
      },
      // The same part with records in PostgreSQL and hot state in Redis (GATEHOUSE_STORE=postgres).
      {
        test: {
          name: 'e2e-postgres',
          root: './test',
          include: storeSuites,
          exclude: E2E_EXCLUDED,
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
            // GATEHOUSE_TEST_WHOLE_SUITE=1: every store-variant suite on the cluster, not only the representative part.
            ...(wholeSuite ? STORE_VARIANT_SUITES.filter((suite) => suite !== 'health-probes.test.ts') : CLUSTER_SUITES).map((suite) => `test/${suite}`),
            'apps/server/src/stores/redis/*.test.ts',
            'apps/server/src/ratelimit/create-limiter.test.ts',
            'test/cluster/*.test.ts',
          ],
          // Redis's invalidation feed serves one Redis server: on a cluster nothing is held (dependencies.ts).
          exclude: ['**/node_modules/**', 'apps/server/src/stores/redis/feed-held-reads.test.ts', 'apps/server/src/stores/redis/redis-api-key-store-held.test.ts'],
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
