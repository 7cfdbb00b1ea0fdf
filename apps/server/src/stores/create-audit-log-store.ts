import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { AuditLogStore } from './audit-log-store.js';
import { createMemoryAuditLogStore } from './memory/memory-audit-log-store.js';
import { createRedisAuditLogStore } from './redis/redis-audit-log-store.js';

/** The audit log for GATEHOUSE_STORE, bounded by GATEHOUSE_AUDIT_LOG_MAX_RECORDS. */
export function createAuditLogStore(config: Config, redis: Redis | undefined): AuditLogStore {
  if (config.store.kind === 'redis') {
    if (redis === undefined) throw new Error('GATEHOUSE_STORE=redis needs a Redis connection');
    return createRedisAuditLogStore({ redis, keyPrefix: config.store.keyPrefix, maxRecords: config.auditLogMaxRecords });
  }
  return createMemoryAuditLogStore({ maxRecords: config.auditLogMaxRecords });
}
