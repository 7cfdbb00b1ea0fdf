import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../stores/redis/redis-client.js';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Metrics } from '../metrics/create-metrics.js';
import type { AuditLogStore } from '../stores/audit-log-store.js';
import { createAuditLogStore } from '../stores/create-stores.js';
import type { PostgresDatabase } from '../stores/postgres/postgres-database.js';
import { createAuditChain } from './audit-chain.js';
import { createAuditLogSink } from './audit-log-sink.js';
import { reportTrim, startAuditRetention } from './audit-retention.js';
import { createRefusalAggregator } from './refusal-aggregator.js';
import type { SecurityEvents } from './security-events.js';

export interface AuditLog {
  readonly store: AuditLogStore;
  /** Removes records past the retention now (the timer does it on its own). */
  trimNow(): Promise<void>;
  /** Stops the timers and writes the pending aggregated records. */
  close(): Promise<void>;
}

export interface AuditLogDeps {
  readonly redis: RedisClient | undefined;
  readonly database?: PostgresDatabase | undefined;
  readonly events: SecurityEvents;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly now: () => number;
}

/**
 * The audit log as the server runs it: the keyed chain, the store, the
 * aggregation of repeated refusals in front of it, and age retention behind.
 */
export function createAuditLog(config: Config, deps: AuditLogDeps): AuditLog {
  const { events, metrics, logger, now } = deps;
  let key = config.audit.hmacKey;
  if (key === undefined) {
    // parseConfig refuses this in production.
    logger.warn('No GATEHOUSE_AUDIT_HMAC_KEY: the audit chain is keyed with a key made for this start; records written before it, or by other processes, will not verify');
    key = new Uint8Array(randomBytes(32));
  }
  const store = createAuditLogStore(config, {
    redis: deps.redis,
    database: deps.database,
    chain: createAuditChain(key),
    onCapacityTrim: (trim) => reportTrim({ events, metrics }, 'capacity', trim),
  });
  const aggregator = createRefusalAggregator(createAuditLogSink(store, metrics), {
    windowMs: config.audit.aggregationWindowSeconds * 1000,
    now,
    onAggregated: (type) => metrics.auditEventsAggregated.inc({ type }),
  });
  events.addSink(aggregator);
  const sweepFailed = (error: unknown) => logger.error({ err: error }, 'writing aggregated audit records failed');
  const sweeper = setInterval(() => aggregator.sweep().catch(sweepFailed), Math.min(config.audit.aggregationWindowSeconds * 1000, 5000));
  sweeper.unref();
  const retention = startAuditRetention({ store, retentionSeconds: config.audit.retentionSeconds, now, events, metrics, logger });
  return {
    store,
    async trimNow() {
      await retention.runOnce();
    },
    async close() {
      clearInterval(sweeper);
      retention.stop();
      await aggregator.flush().catch(sweepFailed);
    },
  };
}
