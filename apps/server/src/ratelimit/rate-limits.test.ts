import { contracts } from '@gatehouse/contracts';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createLogLineCollector } from '../../test-support/log-line-collector.js';
import { createRedisTestNamespace, type RedisTestNamespace } from '../../test-support/redis-test-namespace.js';
import { parseConfig } from '../config.js';
import { createLogger } from '../http/logger.js';
import { StartupError } from '../startup-error.js';
import { createRedisConnection, waitForRedis } from '../stores/redis/redis-connection.js';
import { createRateLimits } from './rate-limits.js';

const configOf = (env: Readonly<Record<string, string>>) => parseConfig({ GATEHOUSE_ENV: 'test', GATEHOUSE_LOG_LEVEL: 'silent', ...env });

/** A logger whose lines a test reads: the insurance limiter's warning says when Redis was not the one counting. */
function collectingLogger() {
  const { destination, lines } = createLogLineCollector();
  return { logger: createLogger({ logLevel: 'info' }, { destination }), fallbacks: () => lines.filter((line) => line.includes('insurance limiter')).length };
}

describe('createRateLimits in memory', () => {
  it('resolves each procedure’s policy and counts every request of one policy and key in one budget', async () => {
    const limits = await createRateLimits(configOf({ GATEHOUSE_LIMIT_PUBLIC: '3/60' }), { logger: collectingLogger().logger, redis: undefined });
    onTestFinished(() => limits.close());
    expect(limits.store).toBe('memory');
    expect(limits.policyForPath('health')).toBeUndefined();
    expect(limits.policyForPath('users.me')).toMatchObject({ name: 'authenticated', key: 'principal' });
    const login = limits.policyForPath('auth.login');
    expect(login).toMatchObject({ name: 'public', points: 3, durationSeconds: 60, key: 'ip', cost: 1 });
    if (login === undefined) return;
    // A batch of two calls reserves two points; the next request of the same key finds what is left.
    expect((await limits.forRequest(['auth.login', 'auth.login']).charge(login, 'ip:192.0.2.1')).snapshot).toMatchObject({ remaining: 1 });
    expect((await limits.forRequest(['auth.login']).charge(login, 'ip:192.0.2.1')).snapshot).toMatchObject({ remaining: 0, refused: false });
    expect((await limits.forRequest(['auth.register']).charge(login, 'ip:192.0.2.1')).allowed).toBe(false);
    expect(limits.limiterFor({ ...login })).toBe(limits.limiterFor(login));
  });

  it('resolves a contract’s policy once, and none for a contract without one', async () => {
    const limits = await createRateLimits(configOf({}), { logger: collectingLogger().logger, redis: undefined });
    onTestFinished(() => limits.close());
    const register = limits.policyFor(contracts.auth.register);
    expect(register).toMatchObject({ name: 'auth.register', key: 'ip' });
    expect(limits.policyFor(contracts.auth.register)).toBe(register);
    expect(limits.policyFor(contracts.health)).toBeUndefined();
    expect(limits.policyFor(contracts.health)).toBeUndefined();
  });

  it('builds the login, second-factor and refusal budgets from their own settings', async () => {
    const limits = await createRateLimits(
      configOf({ GATEHOUSE_LOGIN_LIMIT_EMAIL_IP: '1/60/60', GATEHOUSE_SECOND_FACTOR_LIMIT: '1/60/60', GATEHOUSE_LIMIT_FAILED_AUTH: '1/60', GATEHOUSE_LIMIT_DENIED: '1/60' }),
      { logger: collectingLogger().logger, redis: undefined },
    );
    onTestFinished(() => limits.close());
    expect((await limits.login.admit('a@example.com', '192.0.2.2')).admitted).toBe(true);
    expect(await limits.login.admit('a@example.com', '192.0.2.2')).toMatchObject({ admitted: false, snapshot: { policy: 'auth.login:email+ip' } });
    expect((await limits.secondFactor.admit('u-1')).admitted).toBe(true);
    expect(await limits.secondFactor.admit('u-1')).toMatchObject({ admitted: false, snapshot: { policy: 'auth.secondFactor:user' } });
    expect(await limits.refusals.chargeFailedAuth('192.0.2.2')).toMatchObject({ limit: 1, refused: false });
    expect(await limits.refusals.chargeDenied('192.0.2.2')).toMatchObject({ limit: 1, refused: false });
    expect(await limits.refusals.chargeDenied('192.0.2.2')).toMatchObject({ policy: 'authz.denied:ip', refused: true });
  });
});

describe('createRateLimits on Redis', () => {
  let namespace: RedisTestNamespace;
  beforeAll(async () => {
    namespace = await createRedisTestNamespace('rate-limits');
  });
  afterAll(() => namespace.cleanup());

  const redisEnv = (): Record<string, string> => ({
    GATEHOUSE_RATE_LIMIT_STORE: 'redis',
    REDIS_URL: namespace.url,
    GATEHOUSE_REDIS_PREFIX: namespace.prefix,
    // Loaded test hosts answer slower than the 250 ms default; a timeout would send the count to the insurance limiter.
    GATEHOUSE_REDIS_COMMAND_TIMEOUT_MS: '2000',
  });

  it('opens its own connection when the users live in memory, counts every budget in Redis, and closes it', async () => {
    const { logger, fallbacks } = collectingLogger();
    const limits = await createRateLimits(configOf(redisEnv()), { logger, redis: undefined });
    expect(limits.store).toBe('redis');
    const publicPolicy = limits.policyForPath('auth.login');
    if (publicPolicy === undefined) return expect.unreachable('auth.login runs under the public default');
    await limits.forRequest(['auth.login']).charge(publicPolicy, 'ip:192.0.2.3');
    await limits.login.admit('b@example.com', '192.0.2.3');
    expect(await namespace.redis.get(`${namespace.prefix}rl:public:ip:192.0.2.3`)).toBe('1');
    expect(await namespace.redis.get(`${namespace.prefix}rl:auth.login:ip:192.0.2.3`)).toBe('1');
    expect(fallbacks()).toBe(0);
    await limits.close();
    // Its connection closed, the counting goes on in this process (and the insurance limiter says so).
    await limits.forRequest(['auth.login']).charge(publicPolicy, 'ip:192.0.2.3');
    expect(fallbacks()).toBe(1);
  });

  it('refuses to start when its own Redis does not answer, rather than count in memory', async () => {
    const unreachable = { ...redisEnv(), REDIS_URL: 'redis://127.0.0.1:1' };
    // waitForRedis gives a Redis server five seconds to answer.
    await expect(createRateLimits(configOf(unreachable), { logger: collectingLogger().logger, redis: undefined })).rejects.toBeInstanceOf(StartupError);
  }, 15_000);

  it('counts on the server’s shared connection when GATEHOUSE_STORE=redis, and leaves it open on close', async () => {
    const { logger, fallbacks } = collectingLogger();
    const shared = createRedisConnection({ url: namespace.url, logger, commandTimeoutMs: 2_000 });
    onTestFinished(() => shared.disconnect());
    await waitForRedis(shared);
    const limits = await createRateLimits(configOf({ ...redisEnv(), GATEHOUSE_STORE: 'redis' }), { logger, redis: shared });
    await limits.close();
    expect(shared.status).toBe('ready');
    const publicPolicy = limits.policyForPath('auth.login');
    if (publicPolicy === undefined) return expect.unreachable('auth.login runs under the public default');
    await limits.forRequest(['auth.login']).charge(publicPolicy, 'ip:192.0.2.4');
    expect(await namespace.redis.get(`${namespace.prefix}rl:public:ip:192.0.2.4`)).toBe('1');
    expect(fallbacks()).toBe(0);
    // It is that connection that counts: without it, the insurance limiter answers.
    shared.disconnect();
    await limits.forRequest(['auth.login']).charge(publicPolicy, 'ip:192.0.2.4');
    expect(fallbacks()).toBe(1);
  });
});
