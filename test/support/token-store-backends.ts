import { Redis } from 'ioredis';
import { createRedisTestNamespace } from '../../apps/server/src/stores/redis/redis-test-namespace.js';
import { startGatehouse, type RunningGatehouse, type StartOptions } from './start-gatehouse.js';

/** Every token-lifecycle behaviour is tested on both token stores. */
export const TOKEN_STORE_BACKENDS = ['memory', 'redis'] as const;
export type TokenStoreBackend = (typeof TOKEN_STORE_BACKENDS)[number];

export interface GatehouseOnBackend extends RunningGatehouse {
  /** The token store's own Redis connection (redis backend only), for counting commands or cutting it. */
  readonly tokenRedis: Redis | undefined;
}

/**
 * A real server whose token store is the given backend. On Redis the store
 * gets a private key prefix and a fail-fast connection like the server's own;
 * closing the server deletes every key under the prefix. Users stay in memory
 * until the Redis user store lands (then GATEHOUSE_STORE=redis replaces this).
 */
export async function startOnBackend(backend: TokenStoreBackend, name: string, options: StartOptions = {}): Promise<GatehouseOnBackend> {
  if (backend === 'memory') return { ...(await startGatehouse(options)), tokenRedis: undefined };
  const namespace = await createRedisTestNamespace(name);
  const redis = new Redis(namespace.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 250,
  });
  await redis.connect();
  const running = await startGatehouse({ ...options, tokenStoreRedis: { redis, keyPrefix: namespace.prefix } });
  return {
    ...running,
    tokenRedis: redis,
    async close() {
      await running.close();
      redis.disconnect();
      await namespace.cleanup();
    },
  };
}
