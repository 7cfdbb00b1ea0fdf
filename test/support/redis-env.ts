import type { RedisTestNamespace } from '../../apps/server/src/stores/redis/redis-test-namespace.js';

/** The environment that puts a test server on the real Redis, inside the test's own key namespace. */
export function redisEnv(namespace: RedisTestNamespace): Record<string, string> {
  return { GATEHOUSE_STORE: 'redis', REDIS_URL: namespace.url, GATEHOUSE_REDIS_PREFIX: namespace.prefix };
}
