import type { RedisClient } from './redis/redis-client.js';
import type { Config } from '../config.js';
import { createMemoryTokenStore } from './memory/memory-token-store.js';
import { createRedisTokenStore } from './redis/redis-token-store.js';
import type { TokenStore } from './token-store.js';

/**
 * The token store for GATEHOUSE_STORE, chosen on its own so that it does not
 * wait for the other stores' Redis implementations.
 */
export function createTokenStore(
  store: Config['store'],
  options: { readonly redis: RedisClient | undefined; readonly now: () => number },
): TokenStore {
  if (store.kind === 'memory') return createMemoryTokenStore({ now: options.now });
  if (options.redis === undefined) throw new Error('GATEHOUSE_STORE=redis needs a Redis connection');
  return createRedisTokenStore({ redis: options.redis, keyPrefix: store.keyPrefix, now: options.now });
}
