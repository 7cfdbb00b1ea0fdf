import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../errors/store-unavailable-error.js';
import { describeUserStore, newUser } from '../../../test-support/user-store-behaviour.js';
import { createRedisConnection } from './redis-connection.js';
import { createRedisStoreFixture, type RedisStoreFixture } from '../../../test-support/redis-store-fixture.js';
import { createRedisUserStore } from './redis-user-store.js';

let fixture: RedisStoreFixture;
beforeAll(async () => {
  fixture = await createRedisStoreFixture('redis-user-store');
});
afterAll(() => fixture.close());

describeUserStore('redis', ({ now }) => createRedisUserStore({ redis: fixture.redis, keyPrefix: fixture.freshPrefix(), now }));

describe('Redis user store keys', () => {
  it('keeps every key under the prefix and, being an account record, without a TTL', async () => {
    const keyPrefix = fixture.freshPrefix();
    const store = createRedisUserStore({ redis: fixture.redis, keyPrefix });
    const user = await store.create(newUser());
    const keys = await fixture.namespace.keys(`${keyPrefix}*`);
    expect(keys.sort()).toEqual(
      [`${keyPrefix}{u:${user.id}}:user`, `${keyPrefix}user-email:${user.email}`, `${keyPrefix}{users}:by-sequence`, `${keyPrefix}{users}:sequence`].sort(),
    );
    for (const key of keys) expect(await fixture.namespace.redis.ttl(key)).toBe(-1);
  });

  it('shares state between two processes’ connections: a user created by one is found by the other', async () => {
    const keyPrefix = fixture.freshPrefix();
    const user = await createRedisUserStore({ redis: fixture.redis, keyPrefix }).create(newUser());
    const other = createRedisUserStore({ redis: fixture.namespace.redis, keyPrefix });
    expect(await other.findById(user.id)).toEqual(user);
    await expect(other.create(newUser({ email: user.email }))).rejects.toThrow();
  });

  it('fails fast with StoreUnavailableError when Redis cannot be reached', async () => {
    // A port nothing listens on: the fail-fast connection refuses commands at once instead of queueing them.
    const down = createRedisConnection({ url: 'redis://127.0.0.1:1', logger: pino({ level: 'silent' }) });
    try {
      const store = createRedisUserStore({ redis: down, keyPrefix: fixture.freshPrefix() });
      const started = performance.now();
      await expect(store.findById('00000000-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.create(newUser())).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(performance.now() - started).toBeLessThan(1_000);
    } finally {
      down.disconnect();
    }
  });
});
