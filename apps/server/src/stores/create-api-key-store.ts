import type { RedisClient } from './redis/redis-client.js';
import type { Config } from '../config.js';
import type { ApiKeyStore } from './api-key-store.js';
import { createMemoryApiKeyStore } from './memory/memory-api-key-store.js';
import { createRedisApiKeyStore } from './redis/redis-api-key-store.js';

/** The API key store for GATEHOUSE_STORE: Redis shares revocations between processes at once. */
export function createApiKeyStore(
  config: Pick<Config, 'store'>,
  options: { readonly redis: RedisClient | undefined; readonly now: () => Date },
): ApiKeyStore {
  if (config.store.kind === 'redis') {
    if (options.redis === undefined) throw new Error('GATEHOUSE_STORE=redis needs a Redis connection');
    return createRedisApiKeyStore({ redis: options.redis, keyPrefix: config.store.keyPrefix, now: options.now });
  }
  return createMemoryApiKeyStore({ now: options.now });
}
