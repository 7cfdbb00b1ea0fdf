import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { API_KEY_RETENTION_MS } from '../api-key-store.js';
import { describeApiKeyStore, newApiKey } from '../../../test-support/api-key-store-behaviour.js';
import { StoreUnavailableError } from '../../errors/store-unavailable-error.js';
import { createRedisConnection } from './redis-connection.js';
import { createRedisApiKeyStore } from './redis-api-key-store.js';
import { createRedisTestNamespace, type RedisTestNamespace } from '../../../test-support/redis-test-namespace.js';

let namespace: RedisTestNamespace;
beforeAll(async () => {
  namespace = await createRedisTestNamespace('api-keys');
});
afterAll(() => namespace.cleanup());

describeApiKeyStore('redis', () => createRedisApiKeyStore({ redis: namespace.redis, keyPrefix: namespace.prefix }));

describe('Redis API key store', () => {
  it('shows a revocation made by one process to another at once (nothing cached)', async () => {
    const processA = createRedisApiKeyStore({ redis: namespace.redis, keyPrefix: namespace.prefix });
    const processB = createRedisApiKeyStore({ redis: namespace.redis, keyPrefix: namespace.prefix });
    const key = await processA.create(newApiKey());
    expect((await processB.findByHash(key.hash))?.revokedAt).toBeUndefined();
    await processA.revoke(key.ownerId, key.id, new Date());
    expect((await processB.findByHash(key.hash))?.revokedAt).toBeInstanceOf(Date);
  });

  it('keeps expiring and revoked keys only for the retention period, and writes under the prefix only', async () => {
    const store = createRedisApiKeyStore({ redis: namespace.redis, keyPrefix: namespace.prefix });
    const expiresAt = new Date(Date.now() + 60_000);
    const expiring = await store.create(newApiKey({ expiresAt }));
    const recordTtl = await namespace.redis.pttl(`${namespace.prefix}{o:${expiring.ownerId}}:apikey:${expiring.id}`);
    expect(recordTtl).toBeGreaterThan(API_KEY_RETENTION_MS);
    expect(recordTtl).toBeLessThanOrEqual(API_KEY_RETENTION_MS + 60_000);
    expect(await namespace.redis.pttl(`${namespace.prefix}apikey-hash:${expiring.hash}`)).toBeGreaterThan(API_KEY_RETENTION_MS);

    const revoked = await store.create(newApiKey());
    await store.revoke(revoked.ownerId, revoked.id, new Date());
    const revokedTtl = await namespace.redis.pttl(`${namespace.prefix}{o:${revoked.ownerId}}:apikey:${revoked.id}`);
    expect(revokedTtl).toBeGreaterThan(0);
    expect(revokedTtl).toBeLessThanOrEqual(API_KEY_RETENTION_MS);

    const outside = await namespace.keys('*apikey*');
    expect(outside.filter((name) => name.includes(expiring.id) && !name.startsWith(namespace.prefix))).toEqual([]);
  });

  it('keeps a parent’s set of children no longer than the parent, and for retention once revoked', async () => {
    const store = createRedisApiKeyStore({ redis: namespace.redis, keyPrefix: namespace.prefix });
    const parent = await store.create(newApiKey({ expiresAt: new Date(Date.now() + 60_000) }));
    await store.create(newApiKey({ ownerId: parent.ownerId, parentId: parent.id }));
    const childrenKey = `${namespace.prefix}{o:${parent.ownerId}}:children:${parent.id}`;
    const parentTtl = await namespace.redis.pttl(`${namespace.prefix}{o:${parent.ownerId}}:apikey:${parent.id}`);
    const childrenTtl = await namespace.redis.pttl(childrenKey);
    expect(childrenTtl).toBeGreaterThan(0);
    expect(childrenTtl).toBeLessThanOrEqual(parentTtl);
    await store.revoke(parent.ownerId, parent.id, new Date());
    expect(await namespace.redis.pttl(childrenKey)).toBeLessThanOrEqual(API_KEY_RETENTION_MS);
  });

  it('drops ids of keys purged after retention from the owner’s list', async () => {
    const store = createRedisApiKeyStore({ redis: namespace.redis, keyPrefix: namespace.prefix });
    const key = await store.create(newApiKey());
    await namespace.redis.del(`${namespace.prefix}{o:${key.ownerId}}:apikey:${key.id}`);
    expect((await store.listByOwner(key.ownerId, { cursor: undefined, limit: 5 })).items).toEqual([]);
    expect(await namespace.redis.zcard(`${namespace.prefix}{o:${key.ownerId}}:apikeys`)).toBe(0);
  });

  it('fails with StoreUnavailableError, fast, when Redis is down', async () => {
    const down = createRedisConnection({ url: 'redis://127.0.0.1:1', logger: pino({ level: 'silent' }) });
    try {
      const store = createRedisApiKeyStore({ redis: down, keyPrefix: namespace.prefix });
      const started = Date.now();
      await expect(store.findByHash('0'.repeat(64))).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      down.disconnect();
    }
  });
});
