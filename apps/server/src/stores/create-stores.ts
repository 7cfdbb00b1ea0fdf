import type { RedisClient } from './redis/redis-client.js';
import type { Config } from '../config.js';
import { createMemoryOrderStore } from './memory/memory-order-store.js';
import { createMemoryUserStore } from './memory/memory-user-store.js';
import type { OrderStore } from './order-store.js';
import { createRedisOrderStore } from './redis/redis-order-store.js';
import { createRedisUserStore } from './redis/redis-user-store.js';
import type { UserStore } from './user-store.js';

export interface Stores {
  readonly users: UserStore;
  readonly orders: OrderStore;
}

/** The stores for GATEHOUSE_STORE: memory (one process, bounded) or Redis (shared by every process). */
export function createStores(config: Config, options: { readonly redis: RedisClient | undefined; readonly now: () => Date }): Stores {
  if (config.store.kind === 'redis') {
    if (options.redis === undefined) throw new Error('GATEHOUSE_STORE=redis needs a Redis connection');
    const redis = { redis: options.redis, keyPrefix: config.store.keyPrefix, now: options.now };
    return { users: createRedisUserStore(redis), orders: createRedisOrderStore(redis) };
  }
  return {
    users: createMemoryUserStore({ now: options.now }),
    orders: createMemoryOrderStore({ now: options.now }),
  };
}
