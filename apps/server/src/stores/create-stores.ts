import type { AuditChain } from '../audit/audit-chain.js';
import type { Config } from '../config.js';
import type { ApiKeyRecord, ApiKeyStore } from './api-key-store.js';
import type { AuditLogStore, AuditTrim } from './audit-log-store.js';
import { createMemoryApiKeyStore } from './memory/memory-api-key-store.js';
import { createMemoryAuditLogStore } from './memory/memory-audit-log-store.js';
import { createMemoryOAuthClientStore } from './memory/memory-oauth-client-store.js';
import { createMemoryOrderStore } from './memory/memory-order-store.js';
import { createMemoryTokenStore } from './memory/memory-token-store.js';
import { createMemoryUserStore } from './memory/memory-user-store.js';
import type { OAuthClientStore } from './oauth-client-store.js';
import type { OrderStore } from './order-store.js';
import { createPostgresApiKeyStore } from './postgres/postgres-api-key-store.js';
import { createPostgresAuditLogStore } from './postgres/postgres-audit-log-store.js';
import type { PostgresDatabase } from './postgres/postgres-database.js';
import { createPostgresOAuthClientStore } from './postgres/postgres-oauth-client-store.js';
import { createPostgresOrderStore } from './postgres/postgres-order-store.js';
import { createPostgresUserStore } from './postgres/postgres-user-store.js';
import { createRedisApiKeyStore, type HeldApiKeyReads } from './redis/redis-api-key-store.js';
import { createRedisAuditLogStore } from './redis/redis-audit-log-store.js';
import type { RedisClient } from './redis/redis-client.js';
import { createRedisOAuthClientStore } from './redis/redis-oauth-client-store.js';
import { createRedisOrderStore } from './redis/redis-order-store.js';
import { createRedisTokenStore } from './redis/redis-token-store.js';
import { createRedisUserStore } from './redis/redis-user-store.js';
import type { FeedHeldReads } from './redis/feed-held-reads.js';
import type { TokenStore } from './token-store.js';
import type { UserRecord, UserStore } from './user-store.js';

/** The connections a configuration's stores run on, opened by the caller (dependencies.ts, create-operator-stores.ts). */
export interface StoreConnections {
  readonly redis: RedisClient | undefined;
  /** GATEHOUSE_STORE=postgres only. */
  readonly database?: PostgresDatabase | undefined;
  /**
   * User records read from Redis and held until Redis announces their change (a server on one Redis
   * with users in it; not the CLI, not a cluster): users.me then costs no round trip of its own.
   */
  readonly heldUsers?: FeedHeldReads<UserRecord> | undefined;
  /** API keys' index entries and records held the same way: an API-key call then costs no lookup round trip. */
  readonly heldApiKeys?: HeldApiKeyReads | undefined;
}

export interface Stores {
  readonly users: UserStore;
  readonly orders: OrderStore;
  /** The OAuth client registry's records (seeded from the seed file, changed with `pnpm gatehouse clients`). */
  readonly oauthClients: OAuthClientStore;
  readonly apiKeys: ApiKeyStore;
  /** Refresh families, revocations and codes: hot state, in memory or Redis even under GATEHOUSE_STORE=postgres. */
  readonly tokens: TokenStore;
}

/** Bound on cached users and API keys per process: a flood of distinct valid credentials cannot grow the heap. */
export const MAX_CACHED_USERS = 10_000;
export const MAX_CACHED_API_KEYS = 10_000;

/**
 * The stores for GATEHOUSE_STORE: memory (one process, bounded), Redis (shared by every process), or
 * PostgreSQL (durable records: users, orders, OAuth clients, API keys; the hot state stays in Redis).
 * On PostgreSQL, user and API key lookups are cached for GATEHOUSE_DATABASE_CACHE_TTL_MS; a change made
 * by any process evicts the entry everywhere through the database's invalidation channel, and a process
 * that cannot hear that channel caches nothing (postgres/cache-invalidation-channel.ts).
 */
export function createStores(config: Pick<Config, 'store' | 'database'>, options: StoreConnections & { readonly now: () => number }): Stores {
  const { now } = options;
  const clock = () => new Date(now());
  const state = stateBackend(config.store, options);
  return {
    ...recordStores(recordBackend(config, options), clock, options),
    tokens: state.kind === 'redis' ? createRedisTokenStore({ redis: state.redis, keyPrefix: state.keyPrefix, now }) : createMemoryTokenStore({ now }),
  };
}

function recordStores(records: RecordBackend, now: () => Date, held: Pick<StoreConnections, 'heldUsers' | 'heldApiKeys'>): Omit<Stores, 'tokens'> {
  switch (records.kind) {
    case 'postgres': {
      const { database, cacheTtlMs } = records;
      return {
        users: createPostgresUserStore({ db: database.db, now, cache: database.invalidation.lookupCache<UserRecord>('user', { ttlMs: cacheTtlMs, maxEntries: MAX_CACHED_USERS }) }),
        orders: createPostgresOrderStore({ db: database.db, now }),
        oauthClients: createPostgresOAuthClientStore({ db: database.db, now }),
        apiKeys: createPostgresApiKeyStore({ db: database.db, now, cache: database.invalidation.lookupCache<ApiKeyRecord>('api-key', { ttlMs: cacheTtlMs, maxEntries: MAX_CACHED_API_KEYS }) }),
      };
    }
    case 'redis': {
      const redis = { redis: records.redis, keyPrefix: records.keyPrefix, now };
      return {
        users: createRedisUserStore({ ...redis, held: held.heldUsers }),
        orders: createRedisOrderStore(redis),
        oauthClients: createRedisOAuthClientStore(redis),
        apiKeys: createRedisApiKeyStore({ ...redis, held: held.heldApiKeys }),
      };
    }
    case 'memory':
      return { users: createMemoryUserStore({ now }), orders: createMemoryOrderStore({ now }), oauthClients: createMemoryOAuthClientStore({ now }), apiKeys: createMemoryApiKeyStore({ now }) };
  }
}

export interface AuditLogStoreOptions extends StoreConnections {
  /** The keyed chain (GATEHOUSE_AUDIT_HMAC_KEY). */
  readonly chain: AuditChain;
  /** The memory store's bound was reached (development only): reported like any trim. */
  readonly onCapacityTrim: (trim: AuditTrim) => void;
}

/** The audit log for GATEHOUSE_STORE, beside the other records. Retention (by age) runs beside it: audit/audit-retention.ts. */
export function createAuditLogStore(config: Pick<Config, 'store' | 'database'>, options: AuditLogStoreOptions): AuditLogStore {
  const records = recordBackend(config, options);
  switch (records.kind) {
    case 'postgres':
      return createPostgresAuditLogStore({ db: records.database.db, chain: options.chain, track: records.database.track });
    case 'redis':
      return createRedisAuditLogStore({ redis: records.redis, keyPrefix: records.keyPrefix, chain: options.chain });
    case 'memory':
      return createMemoryAuditLogStore({ chain: options.chain, onCapacityTrim: options.onCapacityTrim });
  }
}

type StateBackend = { readonly kind: 'memory' } | { readonly kind: 'redis'; readonly redis: RedisClient; readonly keyPrefix: string };
type RecordBackend = StateBackend | { readonly kind: 'postgres'; readonly database: PostgresDatabase; readonly cacheTtlMs: number };

/** Where records live: PostgreSQL under GATEHOUSE_STORE=postgres, else where the hot state lives. */
function recordBackend(config: Pick<Config, 'store' | 'database'>, connections: StoreConnections): RecordBackend {
  if (config.database === undefined) return stateBackend(config.store, connections);
  if (connections.database === undefined) throw new Error('GATEHOUSE_STORE=postgres needs a PostgreSQL connection');
  return { kind: 'postgres', database: connections.database, cacheTtlMs: config.database.cacheTtlMs };
}

/**
 * Where the hot state lives. The switch is exhaustive on purpose: a new store kind fails to compile here
 * until it has its own implementations, instead of silently keeping state in one process's memory.
 */
function stateBackend(store: Config['store'], connections: StoreConnections): StateBackend {
  switch (store.kind) {
    case 'memory':
      return { kind: 'memory' };
    case 'redis':
      if (connections.redis === undefined) throw new Error('GATEHOUSE_STORE=redis needs a Redis connection');
      return { kind: 'redis', redis: connections.redis, keyPrefix: store.keyPrefix };
    default:
      return unknownStore(store);
  }
}

function unknownStore(store: never): never {
  throw new Error(`no store for ${JSON.stringify(store)}`);
}
