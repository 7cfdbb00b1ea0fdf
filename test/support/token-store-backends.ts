import type { RedisClient } from '../../apps/server/src/stores/redis/redis-client.js';
import { createRedisTestNamespace } from '../../apps/server/test-support/redis-test-namespace.js';
import type { DefaultStoreName } from './default-store.js';
import { redisEnv } from './redis-env.js';
import { startGatehouse, type RunningGatehouse, type StartOptions } from './start-gatehouse.js';

/**
 * Every token-lifecycle behaviour is tested on both stores: suites loop over `projectStores()`, memory in the
 * e2e project and Redis in e2e-redis (each such suite is in vitest.config.ts's STORE_VARIANT_SUITES).
 */
export type TokenStoreBackend = DefaultStoreName;

export interface GatehouseOnBackend extends RunningGatehouse {
  /** The server's own Redis connection (redis backend only), for counting commands or cutting it. */
  readonly tokenRedis: RedisClient | undefined;
  /** The key prefix every store of this server writes under (redis backend only). */
  readonly redisPrefix: string | undefined;
}

/**
 * A real server on the given store. On Redis it is the whole Redis store
 * (GATEHOUSE_STORE=redis: users, orders, tokens, API keys, audit log and rate
 * limits) inside a private GATEHOUSE_REDIS_PREFIX namespace; closing the server
 * deletes every key under it.
 */
export async function startOnBackend(backend: TokenStoreBackend, name: string, options: StartOptions = {}): Promise<GatehouseOnBackend> {
  if (backend === 'memory') {
    const running = await startGatehouse({ ...options, env: { GATEHOUSE_STORE: 'memory', ...options.env } });
    return { ...running, tokenRedis: undefined, redisPrefix: undefined };
  }
  const namespace = await createRedisTestNamespace(name);
  const running = await startGatehouse({ ...options, env: { ...redisEnv(namespace), ...options.env } }).catch(async (error: unknown) => {
    await namespace.cleanup();
    throw error;
  });
  return {
    ...running,
    tokenRedis: running.server.deps.redis,
    redisPrefix: namespace.prefix,
    async close() {
      await running.close();
      await namespace.cleanup();
    },
  };
}
