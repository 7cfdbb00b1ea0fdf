import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../errors/store-unavailable-error.js';
import { describeTokenStore } from '../../../test-support/token-store-behaviour.js';
import { createRedisTokenStore } from './redis-token-store.js';
import { createRedisTestNamespace, type RedisTestNamespace } from '../../../test-support/redis-test-namespace.js';

let namespace: RedisTestNamespace;
beforeAll(async () => {
  namespace = await createRedisTestNamespace('token-store');
});
afterAll(() => namespace.cleanup());

describeTokenStore('redis', async () => {
  let offsetMs = 0;
  const now = () => Date.now() + offsetMs;
  const store = createRedisTokenStore({ redis: namespace.redis, keyPrefix: namespace.prefix, now });
  return { store, now, advance: (ms: number) => void (offsetMs += ms) };
});

describe('redis token store', () => {
  it('gives every key it writes a TTL', async () => {
    const keyPrefix = `${namespace.prefix}ttl:`;
    const store = createRedisTokenStore({ redis: namespace.redis, keyPrefix });
    const family = { familyId: randomUUID(), userId: randomUUID(), clientId: 'gatehouse', scopes: [], expiresAtMs: Date.now() + 60_000 };
    await store.createFamily(family, 'hash-a');
    await store.rotateRefreshToken({
      familyId: family.familyId,
      presentedHash: 'hash-a',
      nextHash: 'hash-b',
      clientId: undefined,
      origin: { requestId: 'r', ip: '192.0.2.1' },
      accessTokenTtlSeconds: 60,
    });
    await store.revokeAccessToken(randomUUID(), Math.floor(Date.now() / 1000) + 60);
    await store.revokeUser(family.userId, Math.floor(Date.now() / 1000), 60);

    const keys = await namespace.keys(`${keyPrefix}*`);
    expect(keys.length).toBeGreaterThanOrEqual(7);
    for (const key of keys) {
      const ttl = await namespace.redis.pttl(key);
      expect(ttl, key).toBeGreaterThan(0);
      expect(ttl, key).toBeLessThanOrEqual(60_000);
    }
  });

  it('fails closed with StoreUnavailableError when Redis cannot answer', async () => {
    // Port 1: nothing listens, and without an offline queue every command fails at once.
    const down = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    const store = createRedisTokenStore({ redis: down, keyPrefix: namespace.prefix });
    await expect(
      store.isAccessTokenRevoked({ jti: randomUUID(), sessionId: undefined, userId: undefined, issuedAt: 0 }),
    ).rejects.toBeInstanceOf(StoreUnavailableError);
    down.disconnect();
  });
});
