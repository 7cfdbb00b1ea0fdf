import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import { createLogLineCollector } from '../../test-support/log-line-collector.js';
import { createLogger } from '../http/logger.js';
import { createMetrics } from '../metrics/create-metrics.js';
import { createMemoryAuditLogStore } from '../stores/memory/memory-audit-log-store.js';
import { createRedisAuditLogStore } from '../stores/redis/redis-audit-log-store.js';
import { createAuditChain } from './audit-chain.js';
import { createAuditLogSink } from './audit-log-sink.js';
import { createSecurityEvents } from './security-events.js';

function capturingLogger() {
  const { destination, lines } = createLogLineCollector();
  return { logger: createLogger({ logLevel: 'info' }, { destination }), lines };
}

const origin = { ip: '192.0.2.1', requestId: 'req-1', principal: 'user:u-1' };
const chain = createAuditChain(randomBytes(32));

describe('the audit log sink', () => {
  it('appends every emitted event to the audit log', async () => {
    const { logger } = capturingLogger();
    const events = createSecurityEvents(logger);
    const store = createMemoryAuditLogStore({ chain });
    events.addSink(createAuditLogSink(store, createMetrics()));
    events.emit('authz.denied', origin, { path: 'admin.users.list' });
    await vi.waitFor(async () => expect((await store.list({}, { cursor: undefined, limit: 5 })).items).toHaveLength(1));
  });

  it('when Redis is down: the event is still logged, the failure is logged and counted, and emit does not throw', async () => {
    const { logger, lines } = capturingLogger();
    const metrics = createMetrics();
    const redis = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => {}); // expected: nothing listens there
    const events = createSecurityEvents(logger);
    events.addSink(createAuditLogSink(createRedisAuditLogStore({ redis, keyPrefix: 'unreachable:', chain }), metrics));
    expect(() => events.emit('login.failed', origin, { email: 'a@b.io' })).not.toThrow();
    await vi.waitFor(() => expect(lines.some((line) => line.includes('security event sink failed'))).toBe(true));
    expect(lines.some((line) => JSON.parse(line).event?.type === 'login.failed')).toBe(true);
    const counted = await metrics.storeErrors.get();
    expect(counted.values).toEqual([expect.objectContaining({ labels: { store: 'audit_log', operation: 'append' }, value: 1 })]);
    redis.disconnect();
  });
});
