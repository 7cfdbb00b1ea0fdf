import type { RedisTestNamespace } from '../../apps/server/src/stores/redis/redis-test-namespace.js';

/**
 * Every process of a test shares one audit key, as production's must
 * (GATEHOUSE_AUDIT_HMAC_KEY): a per-start key would leave each process
 * unable to extend a chain another one sealed.
 */
const TEST_AUDIT_KEY = Buffer.alloc(32, 'gatehouse-test-audit-key').toString('base64');

/** The environment that puts a test server on the real Redis, inside the test's own key namespace. */
export function redisEnv(namespace: RedisTestNamespace): Record<string, string> {
  return { GATEHOUSE_STORE: 'redis', REDIS_URL: namespace.url, GATEHOUSE_REDIS_PREFIX: namespace.prefix, GATEHOUSE_AUDIT_HMAC_KEY: TEST_AUDIT_KEY };
}
