import type { RedisClient } from './redis/redis-client.js';
import type { Config } from '../config.js';
import type { ApiKeyStore } from './api-key-store.js';
import { createMemoryApiKeyStore } from './memory/memory-api-key-store.js';
import { createRedisApiKeyStore } from './redis/redis-api-key-store.js';
import type { PostgresDatabase } from './postgres/postgres-database.js';
import { createPostgresApiKeyStore } from './postgres/postgres-api-key-store.js';
import type { ApiKeyRecord } from './api-key-store.js';

const MAX_CACHED_API_KEYS = 10_000;

/**
 * The API key store for GATEHOUSE_STORE: Redis shares revocations between processes at once; PostgreSQL
 * keeps keys durable, with lookups by hash cached for GATEHOUSE_DATABASE_CACHE_TTL_MS; a revocation made
 * by any process evicts the key everywhere through the database's invalidation channel, and a process that
 * cannot hear that channel caches nothing (postgres/cache-invalidation-channel.ts).
 */
export function createApiKeyStore(
  config: Pick<Config, 'store'> & Partial<Pick<Config, 'database'>>,
  options: { readonly redis: RedisClient | undefined; readonly database?: PostgresDatabase | undefined; readonly now: () => Date },
): ApiKeyStore {
  if (config.database !== undefined) {
    if (options.database === undefined) throw new Error('GATEHOUSE_STORE=postgres needs a PostgreSQL connection');
    const cache = options.database.invalidation.lookupCache<ApiKeyRecord>('api-key', { ttlMs: config.database.cacheTtlMs, maxEntries: MAX_CACHED_API_KEYS });
    return createPostgresApiKeyStore({ db: options.database.db, now: options.now, cache });
  }
  if (config.store.kind === 'redis') {
    if (options.redis === undefined) throw new Error('GATEHOUSE_STORE=redis needs a Redis connection');
    return createRedisApiKeyStore({ redis: options.redis, keyPrefix: config.store.keyPrefix, now: options.now });
  }
  return createMemoryApiKeyStore({ now: options.now });
}
