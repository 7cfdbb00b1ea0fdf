import { afterAll, beforeAll, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeDpopProofStore } from '../dpop-proof-store.contract-suite.js';
import { createRedisDpopProofStore } from './redis-dpop-proof-store.js';
import { createRedisTestNamespace, type RedisTestNamespace } from '../../../test-support/redis-test-namespace.js';

let namespace: RedisTestNamespace;
let instance = 0;

beforeAll(async () => {
  namespace = await createRedisTestNamespace('dpop-proofs');
});
afterAll(() => namespace.cleanup());

// Redis keeps its own clock: the expiry case waits for it (50 ms windows).
describeDpopProofStore(
  'redis',
  async () => {
    instance += 1;
    return createRedisDpopProofStore(namespace.redis, `${namespace.prefix}${instance}:`);
  },
  async (ms) => {
    await sleep(ms);
  },
);

it('gives every proof id key a TTL no longer than the window', async () => {
  const store = createRedisDpopProofStore(namespace.redis, `${namespace.prefix}ttl:`);
  await store.claim('jkt:jti', 60_000);
  const ttl = await namespace.redis.pttl(`${namespace.prefix}ttl:dpop-jti:{jkt:jti}`);
  expect(ttl).toBeGreaterThan(0);
  expect(ttl).toBeLessThanOrEqual(60_000);
});
