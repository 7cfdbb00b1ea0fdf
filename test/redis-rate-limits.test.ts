import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisTestNamespace, type RedisTestNamespace } from '../apps/server/test-support/redis-test-namespace.js';
import { callProcedure } from './support/http.js';
import { TEST_REDIS_COMMAND_TIMEOUT_MS } from './support/redis-env.js';
import { removeServerBuild, spawnGatehouse, type SpawnedGatehouse } from './support/spawn-gatehouse.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { TEST_USERS } from './support/test-seed.js';

const BOB = { email: TEST_USERS.bob.email, password: TEST_USERS.bob.password };
const login = (gatehouse: RunningGatehouse, ip: string) =>
  callProcedure(gatehouse.url, 'auth.login', { kind: 'mutation', input: BOB, headers: { 'x-forwarded-for': ip } });

/**
 * Users stay in memory (their Redis stores are another issue's work); only
 * the limiters live in Redis, through GATEHOUSE_RATE_LIMIT_STORE.
 */
const redisLimiterEnv = (prefix: string, url = 'redis://127.0.0.1:6379') => ({
  GATEHOUSE_RATE_LIMIT_STORE: 'redis',
  REDIS_URL: url,
  GATEHOUSE_REDIS_PREFIX: prefix,
  GATEHOUSE_TRUST_PROXY: '127.0.0.1',
  GATEHOUSE_LIMIT_PUBLIC: '7/60',
  GATEHOUSE_REDIS_COMMAND_TIMEOUT_MS: TEST_REDIS_COMMAND_TIMEOUT_MS,
});

describe('two server processes on one Redis', () => {
  let namespace: RedisTestNamespace;
  let first: RunningGatehouse;
  let second: SpawnedGatehouse;
  beforeAll(async () => {
    namespace = await createRedisTestNamespace('ratelimit-shared');
    // One server in this process, one in its own OS process: they share nothing but Redis.
    [first, second] = await Promise.all([
      startGatehouse({ env: redisLimiterEnv(namespace.prefix) }),
      spawnGatehouse(redisLimiterEnv(namespace.prefix)),
    ]);
  });
  afterAll(async () => {
    await Promise.all([first?.close(), second?.stop()]);
    await removeServerBuild();
    await namespace.cleanup();
  });

  it('share one budget: across both, exactly the limit succeeds', async () => {
    // auth.register's contract allows 10 per hour per IP.
    const register = (gatehouse: { readonly url: string }, index: number) =>
      callProcedure(gatehouse.url, 'auth.register', {
        kind: 'mutation',
        input: { email: `shared-${index}@test.gatehouse`, password: 'long enough password', name: 'S' },
        headers: { 'x-forwarded-for': '192.0.2.10' },
      });
    const responses = await Promise.all(Array.from({ length: 24 }, (_, index) => register(index % 2 === 0 ? first : second, index)));
    expect(responses.filter((response) => response.status === 200)).toHaveLength(10);
    expect(responses.filter((response) => response.status === 429)).toHaveLength(14);
    const keys = await namespace.redis.keys(`${namespace.prefix}rl:auth.register:*`);
    expect(keys).toHaveLength(1);
    const ttl = await namespace.redis.pttl(keys[0]!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(3_600_000);
  });
});

describe('when Redis goes away', () => {
  let port: number;
  let gatehouse: RunningGatehouse;
  beforeAll(async () => {
    port = await freePort();
    // A private Redis this test may stop; the shared 6379 is never touched.
    execFileSync('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'yes']);
    await waitFor(() => ping(port));
    // Only the limiter on the Redis that goes away: with the whole hot state there (the redis and postgres
    // stores), protected calls answer 503 instead, which test/drills covers.
    gatehouse = await startGatehouse({ env: { GATEHOUSE_STORE: 'memory', ...redisLimiterEnv('gatehouse-outage:', `redis://127.0.0.1:${port}`) } });
  });
  afterAll(async () => {
    await gatehouse?.close();
    stopRedis(port);
  });

  it('keeps limiting through the in-memory insurance limiter, answers fast, and logs the fallback', async () => {
    expect((await login(gatehouse, '192.0.2.20')).status).toBe(200);
    stopRedis(port);
    await sleep(50);

    const timings: number[] = [];
    const statuses: number[] = [];
    for (let call = 0; call < 8; call += 1) {
      const started = performance.now();
      const response = await login(gatehouse, '192.0.2.20');
      timings.push(performance.now() - started);
      statuses.push(response.status);
    }
    // A store failure is never a limit hit and never a pass: the insurance limiter counts 7 afresh.
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 429]);
    // Documented bound: a request during an outage answers within 500 ms (command timeout 250 ms, no offline queue).
    expect(Math.max(...timings)).toBeLessThan(500);
    expect(gatehouse.logLines().some((line) => line.includes('insurance limiter'))).toBe(true);
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function ping(port: number): boolean {
  try {
    return execFileSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).trim() === 'PONG';
  } catch {
    return false;
  }
}

function stopRedis(port: number): void {
  try {
    execFileSync('redis-cli', ['-p', String(port), 'shutdown', 'nosave'], { stdio: 'ignore' });
  } catch {
    // Already stopped: redis-cli reports the closed connection as an error.
  }
}

async function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(50);
  }
}
