import type { RedisTestNamespace } from '../../apps/server/test-support/redis-test-namespace.js';

/**
 * Every process of a test shares one audit key, as production's must
 * (GATEHOUSE_AUDIT_HMAC_KEY): a per-start key would leave each process
 * unable to extend a chain another one sealed.
 */
export const TEST_AUDIT_KEY = Buffer.alloc(32, 'gatehouse-test-audit-key').toString('base64');

/** Likewise for the key of token network hashes (GATEHOUSE_TOKEN_NETWORK_KEY): a token used on another process is not a moved token. */
export const TEST_TOKEN_NETWORK_KEY = Buffer.alloc(32, 'gatehouse-test-network-key').toString('base64');

/**
 * Production's 250 ms Redis command bound is a budget for a Redis next door; on a loaded two-core CI host
 * running three test workers a reply can take longer, and the fallback (insurance limiter, 503) would then
 * decide a test that is about something else. Tests about that fallback set their own bound.
 */
export const TEST_REDIS_COMMAND_TIMEOUT_MS = '2000';

/**
 * The environment that puts a test server on the real Redis, inside the test's own key namespace; on the
 * project's Redis Cluster when the namespace is there (the e2e-redis-cluster project).
 */
export function redisEnv(namespace: RedisTestNamespace): Record<string, string> {
  return {
    GATEHOUSE_STORE: 'redis',
    REDIS_URL: namespace.url,
    ...(namespace.clusterNodes === undefined
      ? {}
      : { REDIS_CLUSTER_NODES: namespace.clusterNodes.map((node) => `${node.host}:${node.port}`).join(',') }),
    GATEHOUSE_REDIS_PREFIX: namespace.prefix,
    GATEHOUSE_AUDIT_HMAC_KEY: TEST_AUDIT_KEY,
    GATEHOUSE_TOKEN_NETWORK_KEY: TEST_TOKEN_NETWORK_KEY,
    GATEHOUSE_REDIS_COMMAND_TIMEOUT_MS: TEST_REDIS_COMMAND_TIMEOUT_MS,
  };
}
