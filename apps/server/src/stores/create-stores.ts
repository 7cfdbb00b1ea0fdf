import type { RedisClient } from './redis/redis-client.js';
import type { Config } from '../config.js';
import { createMemoryOrderStore } from './memory/memory-order-store.js';
import { createMemoryUserStore } from './memory/memory-user-store.js';
import type { OrderStore } from './order-store.js';
import { createOAuthClientStore } from './create-oauth-client-store.js';
import type { OAuthClientStore } from './oauth-client-store.js';
import { createRedisOrderStore } from './redis/redis-order-store.js';
import { createRedisUserStore } from './redis/redis-user-store.js';
import type { UserStore } from './user-store.js';
import type { PostgresDatabase } from './postgres/postgres-database.js';
import { createPostgresOrderStore } from './postgres/postgres-order-store.js';
import { createPostgresUserStore } from './postgres/postgres-user-store.js';
import type { UserRecord } from './user-store.js';

export interface Stores {
  readonly users: UserStore;
  readonly orders: OrderStore;
  /** The OAuth client registry's records (seeded from the seed file, changed with `pnpm gatehouse clients`). */
  readonly oauthClients: OAuthClientStore;
}

/** Bound on cached users per process: a flood of distinct valid tokens cannot grow the heap. */
const MAX_CACHED_USERS = 10_000;

/**
 * The stores for GATEHOUSE_STORE: memory (one process, bounded), Redis (shared by every process), or
 * PostgreSQL (durable records; the hot state stays in Redis, see create-token-store.ts).
 */
export function createStores(
  config: Config,
  options: { readonly redis: RedisClient | undefined; readonly database?: PostgresDatabase | undefined; readonly now: () => Date },
): Stores {
  if (config.database !== undefined) {
    if (options.database === undefined) throw new Error('GATEHOUSE_STORE=postgres needs a PostgreSQL connection');
    const cache = options.database.invalidation.lookupCache<UserRecord>('user', { ttlMs: config.database.cacheTtlMs, maxEntries: MAX_CACHED_USERS });
    return {
      users: createPostgresUserStore({ db: options.database.db, now: options.now, cache }),
      orders: createPostgresOrderStore({ db: options.database.db, now: options.now }),
      oauthClients: createOAuthClientStore(config, options),
    };
  }
  if (config.store.kind === 'redis') {
    if (options.redis === undefined) throw new Error('GATEHOUSE_STORE=redis needs a Redis connection');
    const redis = { redis: options.redis, keyPrefix: config.store.keyPrefix, now: options.now };
    return {
      users: createRedisUserStore(redis),
      orders: createRedisOrderStore(redis),
      oauthClients: createOAuthClientStore(config, options),
    };
  }
  return {
    users: createMemoryUserStore({ now: options.now }),
    orders: createMemoryOrderStore({ now: options.now }),
    oauthClients: createOAuthClientStore(config, { redis: undefined, now: options.now }),
  };
}
