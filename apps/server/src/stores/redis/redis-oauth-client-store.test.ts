import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeOAuthClientStore, newConfidentialClient } from '../../../test-support/oauth-client-store-behaviour.js';
import { createRedisOAuthClientStore } from './redis-oauth-client-store.js';
import { createRedisStoreFixture, type RedisStoreFixture } from '../../../test-support/redis-store-fixture.js';

let fixture: RedisStoreFixture;
beforeAll(async () => {
  fixture = await createRedisStoreFixture('redis-oauth-client-store');
});
afterAll(() => fixture.close());

describeOAuthClientStore('redis', ({ now }) => createRedisOAuthClientStore({ redis: fixture.redis, keyPrefix: fixture.freshPrefix(), now }));

describe('Redis OAuth client store keys', () => {
  it('keeps a client in one key under the prefix, without a TTL, and never the plain secret', async () => {
    const keyPrefix = fixture.freshPrefix();
    const store = createRedisOAuthClientStore({ redis: fixture.redis, keyPrefix });
    const client = await store.create(newConfidentialClient());
    const keys = await fixture.namespace.keys(`${keyPrefix}*`);
    expect(keys).toEqual([`${keyPrefix}oauth-client:${client.clientId}`]);
    expect(await fixture.namespace.redis.ttl(keys[0]!)).toBe(-1);
  });

  it('a client registered through one connection is found, re-keyed and disabled through another', async () => {
    const keyPrefix = fixture.freshPrefix();
    const client = await createRedisOAuthClientStore({ redis: fixture.redis, keyPrefix }).create(newConfidentialClient());
    const other = createRedisOAuthClientStore({ redis: fixture.namespace.redis, keyPrefix });
    expect(await other.find(client.clientId)).toEqual(client);
    expect((await other.disable(client.clientId))?.disabledAt).toBeInstanceOf(Date);
  });
});
