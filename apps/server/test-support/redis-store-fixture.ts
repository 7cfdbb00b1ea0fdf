import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { RedisClient } from '../src/stores/redis/redis-client.js';
import { createRedisConnection, waitForRedis } from '../src/stores/redis/redis-connection.js';
import { createRedisTestNamespace, type RedisTestNamespace } from './redis-test-namespace.js';

/**
 * For store tests: the server's own fail-fast connection on the real Redis
 * (or the project's Redis Cluster), and a fresh key prefix per store inside
 * one test namespace, so each test starts from an empty store and one cleanup
 * removes every key. Test-only.
 */
export interface RedisStoreFixture {
  readonly namespace: RedisTestNamespace;
  readonly redis: RedisClient;
  /** A prefix no other store of this run uses. */
  freshPrefix(): string;
  close(): Promise<void>;
}

export async function createRedisStoreFixture(name: string): Promise<RedisStoreFixture> {
  const namespace = await createRedisTestNamespace(name);
  // A loaded CI host can take longer than production's 250 ms per command; the suites test behaviour, not latency.
  const redis = createRedisConnection({ url: namespace.url, clusterNodes: namespace.clusterNodes, logger: pino({ level: 'silent' }), commandTimeoutMs: 2_000 });
  await waitForRedis(redis);
  return {
    namespace,
    redis,
    freshPrefix: () => `${namespace.prefix}${randomUUID().slice(0, 8)}:`,
    async close() {
      await redis.quit();
      await namespace.cleanup();
    },
  };
}
