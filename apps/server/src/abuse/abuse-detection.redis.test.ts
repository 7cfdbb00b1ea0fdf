import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecurityEvents, type SecurityEvent } from '../audit/security-events.js';
import { waitForRedis } from '../stores/redis/redis-connection.js';
import { createRedisTestNamespace, type RedisTestNamespace } from '../../test-support/redis-test-namespace.js';
import type { CounterBackend } from './abuse-counter.js';
import { createEnumerationDetector } from './enumeration-detector.js';

let namespace: RedisTestNamespace;
const connections: Redis[] = [];
beforeAll(async () => {
  namespace = await createRedisTestNamespace('abuse');
});
afterAll(async () => {
  await Promise.all(connections.map((redis) => redis.quit().catch(() => redis.disconnect())));
  await namespace.cleanup();
});

const CONFIG = { misses: 3, windowSeconds: 60, blockSeconds: 60 };
const origin = { ip: '198.51.100.1', requestId: 'req', principal: undefined };

/** A detector as one server process would build it: its own connection, the shared prefix. */
function processDetector(backend: CounterBackend) {
  const raised: SecurityEvent[] = [];
  const events = createSecurityEvents(pino({ level: 'silent' }));
  events.addSink({ record: (event) => void raised.push(event) });
  return { detector: createEnumerationDetector({ config: CONFIG, backend, events }), raised };
}

/** Ready before use, as the server waits at start: counters refuse a connection that is not (and fall back). */
async function connection(url: string): Promise<Redis> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  connections.push(redis);
  await waitForRedis(redis);
  return redis;
}

describe('enumeration counters in Redis', () => {
  it('add up across processes: misses split over two processes block on both, and the event is raised once', async () => {
    const keyPrefix = `${namespace.prefix}shared:`;
    const first = processDetector({ kind: 'redis', redis: await connection(namespace.url), keyPrefix });
    const second = processDetector({ kind: 'redis', redis: await connection(namespace.url), keyPrefix });
    const subject = ['user:u-1'];
    await first.detector.recordMiss(subject, origin, 'users.byId');
    await second.detector.recordMiss(subject, origin, 'users.byId');
    await first.detector.recordMiss(subject, origin, 'users.byId');
    expect(await second.detector.blockFor(subject)).toBeUndefined();
    await second.detector.recordMiss(subject, origin, 'users.byId');
    await new Promise((resolve) => setTimeout(resolve, 20));

    for (const { detector } of [first, second]) {
      expect(await detector.blockFor(subject)).toMatchObject({ policy: 'abuse.enumeration', limit: 3, remaining: 0, refused: true });
    }
    expect([...first.raised, ...second.raised].map((event) => event.type)).toEqual(['abuse.enumeration']);
    const keys = await namespace.redis.keys(`${keyPrefix}*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(await namespace.redis.pttl(key)).toBeGreaterThan(0);
  });

  it('keep counting in process memory while Redis is unreachable, and report each fallback', async () => {
    const down = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    down.on('error', () => {}); // expected: nothing listens there
    connections.push(down);
    let storeErrors = 0;
    const { detector, raised } = processDetector({ kind: 'redis', redis: down, keyPrefix: `${namespace.prefix}down:`, onStoreError: () => (storeErrors += 1) });
    for (let index = 0; index < 4; index += 1) await detector.recordMiss(['ip:192.0.2.9'], origin, 'orders.byId');
    expect(await detector.blockFor(['ip:192.0.2.9'])).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(raised.map((event) => event.type)).toEqual(['abuse.enumeration']);
    expect(storeErrors).toBeGreaterThanOrEqual(5);
  });
});
