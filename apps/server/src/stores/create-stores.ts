import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { createMemoryOrderStore } from './memory/memory-order-store.js';
import { createMemoryUserStore } from './memory/memory-user-store.js';
import type { OrderStore } from './order-store.js';
import { createOAuthClientStore } from './create-oauth-client-store.js';
import type { OAuthClientStore } from './oauth-client-store.js';
import { createRedisOrderStore } from './redis/redis-order-store.js';
import { createRedisUserStore } from './redis/redis-user-store.js';
import type { UserStore } from './user-store.js';

export interface Stores {
  readonly users: UserStore;
  readonly orders: OrderStore;
  /** The OAuth client registry's records (seeded from the seed file, changed with `pnpm gatehouse clients`). */
  readonly oauthClients: OAuthClientStore;
}

/** The stores for GATEHOUSE_STORE: memory (one process, bounded) or Redis (shared by every process). */
export function createStores(config: Config, options: { readonly redis: Redis | undefined; readonly now: () => Date }): Stores {
  if (config.store.kind === 'redis') {
    if (options.redis === undefined) throw new Error('GATEHOUSE_STORE=redis needs a Redis connection');
    const redis = { redis: options.redis, keyPrefix: config.store.keyPrefix, now: options.now };
    return {
      users: createRedisUserStore(redis),
      orders: createRedisOrderStore(redis),
      oauthClients: createOAuthClientStore(config.store, { redis: options.redis, now: options.now }),
    };
  }
  return {
    users: createMemoryUserStore({ now: options.now }),
    orders: createMemoryOrderStore({ now: options.now }),
    oauthClients: createOAuthClientStore(config.store, { redis: undefined, now: options.now }),
  };
}
