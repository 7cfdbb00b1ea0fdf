import { Redis } from 'ioredis';
import type { RedisClient } from '../stores/redis/redis-client.js';
import pino from 'pino';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogLineCollector } from '../../test-support/log-line-collector.js';
import { createRedisTestNamespace, type RedisTestNamespace } from '../../test-support/redis-test-namespace.js';
import { createLogger } from '../http/logger.js';
import { createRedisConnection, waitForRedis } from '../stores/redis/redis-connection.js';
import { createFallbackReporter, createLimiter, type LimiterSpec } from './create-limiter.js';
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

  it('keeps the abuse detectors’ counters in their own key space', async () => {
    const limiter = createLimiter(spec, { kind: 'redis', redis, keyPrefix: namespace.prefix, onFallback: () => {} }, 'abuse');
    await limiter.consume('client-d');
    expect(await namespace.redis.get(`${namespace.prefix}abuse:unit.test:client-d`)).toBe('1');
    expect(await namespace.redis.get(`${namespace.prefix}rl:unit.test:client-d`)).toBeNull();
  });

  it('blocks an exceeded key in Redis for the block duration, not the window', async () => {
    const limiter = createLimiter({ ...spec, blockDurationSeconds: 600 }, { kind: 'redis', redis, keyPrefix: namespace.prefix, onFallback: () => {} });
    for (let call = 0; call < 3; call += 1) await limiter.consume('client-e');
    const refused = await limiter.consume('client-e').then(
      () => expect.unreachable('the fourth call is over the budget'),
      (rejection: unknown) => rejection as RateLimiterRes,
    );
    expect(refused.msBeforeNext).toBeGreaterThan(590_000);
    expect(await namespace.redis.pttl(`${namespace.prefix}rl:unit.test:client-e`)).toBeGreaterThan(590_000);
  });

  it('answers reads, refunds and deletes from the insurance limiter too, reporting each', async () => {
    const dead = createRedisConnection({ url: 'redis://127.0.0.1:1', logger: silent });
    const fallbacks: string[] = [];
    const limiter = createLimiter(spec, { kind: 'redis', redis: dead, keyPrefix: namespace.prefix, onFallback: (name) => fallbacks.push(name) });
    await limiter.consume('client-f', 2);
    expect((await limiter.get('client-f'))?.consumedPoints).toBe(2);
    expect((await limiter.reward('client-f', 1)).consumedPoints).toBe(1);
    expect(await limiter.delete('client-f')).toBe(true);
    expect(await limiter.get('client-f')).toBeNull();
    expect(fallbacks).toEqual(['unit.test', 'unit.test', 'unit.test', 'unit.test', 'unit.test']);
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

describe('createLimiter in memory', () => {
  it('blocks an exceeded key for the block duration, not the window', async () => {
    const limiter = createLimiter({ ...spec, blockDurationSeconds: 600 }, { kind: 'memory' });
    for (let call = 0; call < 3; call += 1) await limiter.consume('client-a');
    const refused = await limiter.consume('client-a').then(
      () => expect.unreachable('the fourth call is over the budget'),
      (rejection: unknown) => rejection as RateLimiterRes,
    );
    expect(refused.msBeforeNext).toBeGreaterThan(590_000);
    expect((await limiter.consume('client-b', 3)).msBeforeNext).toBeLessThanOrEqual(60_000);
  });
});

describe('createLimiter’s checks at start-up', () => {
  const valid: LimiterSpec = { name: 'auth.login:email+ip', points: 1, durationSeconds: 1, blockDurationSeconds: 0 };
  const create = (overrides: Partial<LimiterSpec>) => () => createLimiter({ ...valid, ...overrides }, { kind: 'memory' });

  it('accepts names of letters, digits and . + : - _ up to 64 characters, and a zero block', () => {
    expect(create({})).not.toThrow();
    expect(create({ name: 'a_B-9' })).not.toThrow();
    expect(create({ name: 'x'.repeat(64), blockDurationSeconds: 900 })).not.toThrow();
  });

  it('refuses a name a Redis key or a header could not carry as it is', () => {
    for (const name of ['', 'x'.repeat(65), 'two words', 'quote"d', 'line\nbreak', 'é']) {
      expect(create({ name }), name).toThrow(RangeError);
    }
    expect(create({ name: 'two words' })).toThrow(/two words/);
  });

  it('refuses budgets that are not positive integers, and a negative or fractional block', () => {
    for (const points of [0, -1, 1.5, Number.NaN]) expect(create({ points }), String(points)).toThrow(/auth.login:email\+ip: points/);
    for (const durationSeconds of [0, -1, 0.5]) expect(create({ durationSeconds }), String(durationSeconds)).toThrow(/durationSeconds/);
    for (const blockDurationSeconds of [-1, 0.5]) expect(create({ blockDurationSeconds }), String(blockDurationSeconds)).toThrow(/blockDurationSeconds/);
  });
});

describe('the fallback reporter', () => {
  it('warns at once, then once per interval with how many fallbacks it kept quiet', () => {
    const { destination, lines } = createLogLineCollector();
    let nowMs = 1_000_000;
    const report = createFallbackReporter(createLogger({ logLevel: 'info' }, { destination }), undefined, () => nowMs);
    const warnings = () => lines.map((line) => JSON.parse(line) as { level: number; msg: string; limiter: string; fallbacksSinceLastReport: number });
    report('auth.login:ip');
    expect(warnings()).toEqual([
      expect.objectContaining({ level: 40, limiter: 'auth.login:ip', fallbacksSinceLastReport: 0, msg: expect.stringContaining('insurance limiter') }),
    ]);
    for (const offset of [1, 5_000, 9_999]) {
      nowMs = 1_000_000 + offset;
      report('public');
    }
    expect(warnings()).toHaveLength(1);
    nowMs = 1_010_000; // the default interval, ten seconds, has passed
    report('public');
    expect(warnings()[1]).toMatchObject({ limiter: 'public', fallbacksSinceLastReport: 3 });
    nowMs = 1_019_999;
    report('public');
    nowMs = 1_020_000;
    report('public');
    expect(warnings().map((warning) => warning.fallbacksSinceLastReport)).toEqual([0, 3, 1]);
  });
});
