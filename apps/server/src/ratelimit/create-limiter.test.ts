import { Redis } from 'ioredis';
import type { RedisClient } from '../stores/redis/redis-client.js';
import pino from 'pino';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisTestNamespace, type RedisTestNamespace } from '../../test-support/redis-test-namespace.js';
import { createRedisConnection, waitForRedis } from '../stores/redis/redis-connection.js';
import { createLimiter } from './create-limiter.js';
import { createRequestRateLimit } from './request-rate-limit.js';
import type { ResolvedPolicy } from './resolve-policy.js';

const spec: ResolvedPolicy = { name: 'unit.test', points: 3, durationSeconds: 60, blockDurationSeconds: 0, key: 'ip', cost: 1 };
const silent = pino({ level: 'silent' });

describe('createLimiter over Redis', () => {
  let namespace: RedisTestNamespace;
  let redis: RedisClient;
  beforeAll(async () => {
    namespace = await createRedisTestNamespace('limiter-factory');
    redis = createRedisConnection({ url: namespace.url, clusterNodes: namespace.clusterNodes, logger: silent });
    await waitForRedis(redis);
  });
  afterAll(async () => {
    await redis.quit();
    await namespace.cleanup();
  });

  it('counts in Redis under the prefix, with a TTL of the window', async () => {
    const fallbacks: string[] = [];
    const limiter = createLimiter(spec, { kind: 'redis', redis, keyPrefix: namespace.prefix, onFallback: (name) => fallbacks.push(name) });
    await limiter.consume('client-a', 2);
    const key = `${namespace.prefix}rl:unit.test:client-a`;
    expect(await namespace.redis.get(key)).toBe('2');
    const ttl = await namespace.redis.pttl(key);
    expect(ttl).toBeGreaterThan(55_000);
    expect(fallbacks).toEqual([]);
  });

  it('answers from the insurance limiter, and reports it, when Redis is unreachable', async () => {
    const dead = createRedisConnection({ url: 'redis://127.0.0.1:1', logger: silent });
    const fallbacks: string[] = [];
    const limiter = createLimiter(spec, { kind: 'redis', redis: dead, keyPrefix: namespace.prefix, onFallback: (name) => fallbacks.push(name) });
    const started = performance.now();
    for (let call = 0; call < 3; call += 1) await expect(limiter.consume('client-b')).resolves.toBeInstanceOf(RateLimiterRes);
    await expect(limiter.consume('client-b')).rejects.toBeInstanceOf(RateLimiterRes); // still limited, not open
    expect(performance.now() - started).toBeLessThan(100); // not ready: no waiting on Redis at all
    expect(fallbacks).toHaveLength(4);
    dead.disconnect();
  });

  it('never turns a store failure into a 429: without insurance the error surfaces as an error', async () => {
    const dead = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    const bare = new RateLimiterRedis({ storeClient: dead, points: 3, duration: 60, rejectIfRedisNotReady: true });
    const request = createRequestRateLimit({ calls: ['x'], policyForPath: () => spec, limiterFor: () => bare });
    const outcome = await request.charge(spec, 'client-c').then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    expect('error' in outcome && outcome.error instanceof Error && !(outcome.error instanceof RateLimiterRes)).toBe(true);
    dead.disconnect();
  });
});
