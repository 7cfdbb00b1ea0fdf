import type { Config } from '../config.js';
import { createMemoryOAuthClientStore } from './memory/memory-oauth-client-store.js';
import type { PostgresDatabase } from './postgres/postgres-database.js';
import { createPostgresOAuthClientStore } from './postgres/postgres-oauth-client-store.js';
import type { RedisClient } from './redis/redis-client.js';
import type { OAuthClientStore } from './oauth-client-store.js';
import { createRedisOAuthClientStore } from './redis/redis-oauth-client-store.js';

/**
 * The OAuth client store for GATEHOUSE_STORE: a table with the other durable records on postgres, else
 * wherever `store` says. The switch is exhaustive on purpose: a new store kind fails to compile here until
 * it has its own implementation, instead of silently keeping clients in one process's memory.
 */
export function createOAuthClientStore(
  config: Pick<Config, 'store' | 'database'>,
  options: { readonly redis: RedisClient | undefined; readonly database?: PostgresDatabase | undefined; readonly now: () => Date },
): OAuthClientStore {
  if (config.database !== undefined) {
    if (options.database === undefined) throw new Error('GATEHOUSE_STORE=postgres needs a PostgreSQL connection');
    return createPostgresOAuthClientStore({ db: options.database.db, now: options.now });
  }
  const store = config.store;
  switch (store.kind) {
    case 'memory':
      return createMemoryOAuthClientStore({ now: options.now });
    case 'redis':
      if (options.redis === undefined) throw new Error('GATEHOUSE_STORE=redis needs a Redis connection');
      return createRedisOAuthClientStore({ redis: options.redis, keyPrefix: store.keyPrefix, now: options.now });
    default:
      return unknownStore(store);
  }
}

function unknownStore(store: never): never {
  throw new Error(`no OAuth client store for ${JSON.stringify(store)}`);
}
