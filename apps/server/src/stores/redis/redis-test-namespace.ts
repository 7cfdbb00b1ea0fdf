import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/**
 * For tests: a private key prefix on the real Redis, so test files running
 * in parallel never see each other's keys, and a cleanup that deletes every
 * key under it. Test-only; nothing in the server imports it.
 */
export interface RedisTestNamespace {
  readonly url: string;
  readonly prefix: string;
  /** A separate admin connection for inspecting keys (TTLs, counts). */
  readonly redis: Redis;
  cleanup(): Promise<void>;
}

export const TEST_REDIS_URL = 'redis://127.0.0.1:6379';

export async function createRedisTestNamespace(name: string): Promise<RedisTestNamespace> {
  const prefix = `gatehouse-test:${name}:${randomUUID().slice(0, 8)}:`;
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
  await redis.connect();
  return {
    url: TEST_REDIS_URL,
    prefix,
    redis,
    async cleanup() {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await redis.unlink(...keys);
      } while (cursor !== '0');
      await redis.quit();
    },
  };
}
