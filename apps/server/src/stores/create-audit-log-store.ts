import type { RedisClient } from './redis/redis-client.js';
import type { AuditChain } from '../audit/audit-chain.js';
import type { Config } from '../config.js';
import type { AuditLogStore, AuditTrim } from './audit-log-store.js';
import { createMemoryAuditLogStore } from './memory/memory-audit-log-store.js';
import { createRedisAuditLogStore } from './redis/redis-audit-log-store.js';
import type { PostgresDatabase } from './postgres/postgres-database.js';
import { createPostgresAuditLogStore } from './postgres/postgres-audit-log-store.js';

export interface AuditLogStoreOptions {
  readonly redis: RedisClient | undefined;
  /** GATEHOUSE_STORE=postgres: the audit log is a table there. */
  readonly database?: PostgresDatabase | undefined;
  /** The keyed chain (GATEHOUSE_AUDIT_HMAC_KEY). */
  readonly chain: AuditChain;
  /** The memory store's bound was reached (development only): reported like any trim. */
  readonly onCapacityTrim: (trim: AuditTrim) => void;
}

/** The audit log for GATEHOUSE_STORE. Retention (by age) runs beside it: audit/audit-retention.ts. */
export function createAuditLogStore(config: Config, options: AuditLogStoreOptions): AuditLogStore {
  if (config.database !== undefined) {
    if (options.database === undefined) throw new Error('GATEHOUSE_STORE=postgres needs a PostgreSQL connection');
    return createPostgresAuditLogStore({ db: options.database.db, chain: options.chain, track: options.database.track });
  }
  if (config.store.kind === 'redis') {
    if (options.redis === undefined) throw new Error('GATEHOUSE_STORE=redis needs a Redis connection');
    return createRedisAuditLogStore({ redis: options.redis, keyPrefix: config.store.keyPrefix, chain: options.chain });
  }
  return createMemoryAuditLogStore({ chain: options.chain, onCapacityTrim: options.onCapacityTrim });
}
