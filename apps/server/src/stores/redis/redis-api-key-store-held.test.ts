import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeApiKeyStore, newApiKey } from '../../../test-support/api-key-store-behaviour.js';
import { createRedisStoreFixture, type RedisStoreFixture } from '../../../test-support/redis-store-fixture.js';
import { announcedOn, countedConnection, killFeedConnection, quietOn, type CountedConnection } from '../../../test-support/invalidation-feed-probes.js';
import { waitUntil } from '../../../test-support/wait-until.js';
import type { ApiKeyRecord, ApiKeyStore } from '../api-key-store.js';
import { isCluster } from './redis-client.js';
import { createHeldApiKeyReads, createRedisApiKeyStore, redisApiKeyPrefixes, type HeldApiKeyReads } from './redis-api-key-store.js';
import { createRedisInvalidationFeed, type RedisInvalidationFeed } from './redis-invalidation-feed.js';

// Two "processes" over one Redis: `here` holds API keys under its feed, `elsewhere` (another server, or the
// operators' CLI) writes through a connection of its own and holds nothing. A key `elsewhere` revokes must be
// refused by `here` on its first lookup after Redis announces the write; what `here` writes, it sees at once.
let fixture: RedisStoreFixture;
let feed: RedisInvalidationFeed;
let keyPrefix: string;
let held: HeldApiKeyReads;
let here: ApiKeyStore;
let elsewhere: ApiKeyStore;
/** `here`'s connection, counting the lookups it sends (the index GET, the record HGETALL): round trips. */
let lookups: CountedConnection;
const FEED_NAME = `api-keys-held-test-${randomUUID().slice(0, 8)}`;
const MAX_HELD = 20;

function feedFor(prefix: string, connectionName = `api-keys-held-test-${randomUUID().slice(0, 8)}`): RedisInvalidationFeed {
  return createRedisInvalidationFeed({ redis: fixture.redis as Redis, prefixes: redisApiKeyPrefixes(prefix), logger: pino({ level: 'silent' }), heartbeatMs: 200, connectionName });
}

const feeds: RedisInvalidationFeed[] = [];
beforeAll(async () => {
  fixture = await createRedisStoreFixture('api-keys-held');
  // The feed is for one Redis server (on a cluster nothing is held): the test namespace is one.
  if (isCluster(fixture.redis)) throw new Error('redis-api-key-store-held.test.ts needs a single Redis server');
  keyPrefix = fixture.freshPrefix();
  feed = feedFor(keyPrefix, FEED_NAME);
  feeds.push(feed);
  held = createHeldApiKeyReads(feed, MAX_HELD);
  lookups = countedConnection(fixture.redis, ['get', 'hgetall']);
  here = createRedisApiKeyStore({ redis: lookups.redis, keyPrefix, held });
  elsewhere = createRedisApiKeyStore({ redis: fixture.namespace.redis, keyPrefix });
  await waitUntil(() => feed.live);
});
afterAll(async () => {
  await Promise.all(feeds.map((each) => each.close()));
  await fixture.close();
});

const lookupsOf = (lookup: () => Promise<unknown>) => lookups.sentDuring(lookup);
const announced = (change: () => Promise<unknown>) => announcedOn(feed, change);

/** A key created by the other process, once Redis has announced all of its creation to this one. */
async function createdElsewhere(overrides: Parameters<typeof newApiKey>[0] = {}): Promise<ApiKeyRecord> {
  const key = await elsewhere.create(newApiKey(overrides));
  await quietOn(feed);
  return key;
}

const recordKeyOf = (key: ApiKeyRecord) => `${keyPrefix}{o:${key.ownerId}}:apikey:${key.id}`;

// Every behaviour of an API key store, through a store that holds what it reads (its own writes must show at once).
describeApiKeyStore('redis, keys held under the invalidation feed', async () => {
  const prefix = fixture.freshPrefix();
  const own = feedFor(prefix);
  feeds.push(own);
  await waitUntil(() => own.live);
  return createRedisApiKeyStore({ redis: fixture.redis, keyPrefix: prefix, held: createHeldApiKeyReads(own, MAX_HELD) });
});

describe('API keys held under Redis’s invalidation feed', () => {
  it('looks a key up in Redis once (index and record), then answers repeat lookups without a round trip', async () => {
    const key = await createdElsewhere();
    expect(await lookupsOf(() => here.findByHash(key.hash))).toBe(2);
    expect(await lookupsOf(async () => expect(await here.findByHash(key.hash)).toEqual(key))).toBe(0);
  });

  it('never holds a hash that matches no key: one created later is found at once', async () => {
    const key = newApiKey();
    expect(await here.findByHash(key.hash)).toBeUndefined();
    const created = await elsewhere.create(key);
    expect(await here.findByHash(key.hash)).toEqual(created);
  });

  it.each([
    ['a revocation', (key: ApiKeyRecord) => elsewhere.revoke(key.ownerId, key.id, new Date()), (found: ApiKeyRecord | undefined) => expect(found?.revokedAt).toBeInstanceOf(Date)],
    ['every key of the owner revoked', (key: ApiKeyRecord) => elsewhere.revokeAllOfOwner(key.ownerId, new Date()), (found: ApiKeyRecord | undefined) => expect(found?.revokedAt).toBeInstanceOf(Date)],
    // An operator editing Redis by hand: no Gatehouse code ran, Redis announces it all the same.
    ['a hand-made HSET of revokedAt', (key: ApiKeyRecord) => fixture.namespace.redis.hset(recordKeyOf(key), 'revokedAt', String(Date.now())), (found: ApiKeyRecord | undefined) => expect(found?.revokedAt).toBeInstanceOf(Date)],
    ['the record deleted by hand', (key: ApiKeyRecord) => fixture.namespace.redis.del(recordKeyOf(key)), (found: ApiKeyRecord | undefined) => expect(found).toBeUndefined()],
    ['the lookup index deleted by hand', (key: ApiKeyRecord) => fixture.namespace.redis.del(`${keyPrefix}apikey-hash:${key.hash}`), (found: ApiKeyRecord | undefined) => expect(found).toBeUndefined()],
  ])('sees %s made elsewhere on its next lookup after Redis announces it', async (_what, change, expectChanged) => {
    const key = await createdElsewhere();
    expect((await here.findByHash(key.hash))?.revokedAt).toBeUndefined();
    expect(await lookupsOf(() => here.findByHash(key.hash))).toBe(0);
    await announced(() => change(key));
    expectChanged(await here.findByHash(key.hash));
  });

  it('sees a key minted through a revoked parent revoked with it', async () => {
    const parent = await createdElsewhere();
    const child = await createdElsewhere({ ownerId: parent.ownerId, parentId: parent.id });
    await here.findByHash(child.hash);
    await announced(() => elsewhere.revoke(parent.ownerId, parent.id, new Date()));
    expect((await here.findByHash(child.hash))?.revokedAt).toBeInstanceOf(Date);
  });

  it('sees its own revocation and its own last-used write on the very next lookup, before Redis’s announcement comes back', async () => {
    const key = await createdElsewhere();
    await here.findByHash(key.hash);
    const usedAt = new Date();
    expect(await here.touchLastUsed(key.id, usedAt, 60_000)).toBe(true);
    expect((await here.findByHash(key.hash))?.lastUsedAt).toEqual(usedAt);
    await here.revoke(key.ownerId, key.id, new Date());
    expect((await here.findByHash(key.hash))?.revokedAt).toBeInstanceOf(Date);
  });

  it('does not hold a record whose key was revoked while it was being read', async () => {
    const key = await createdElsewhere();
    // The read's reply is the live record; the revocation lands and is announced before that reply is used.
    const raced = await held.records.read(recordKeyOf(key), async () => {
      const before = await elsewhere.findByHash(key.hash);
      await announced(() => elsewhere.revoke(key.ownerId, key.id, new Date()));
      return before;
    });
    expect(raced?.revokedAt).toBeUndefined();
    expect((await here.findByHash(key.hash))?.revokedAt).toBeInstanceOf(Date);
  });

  it('fails closed while its subscription is down: every lookup reads Redis and sees a revocation made meanwhile', async () => {
    const key = await createdElsewhere();
    await here.findByHash(key.hash);
    await killFeedConnection(fixture.namespace.redis, feed, FEED_NAME);
    expect(held.records.size).toBe(0);
    expect(held.pointers.size).toBe(0);
    expect(await lookupsOf(() => here.findByHash(key.hash))).toBe(2);
    await elsewhere.revoke(key.ownerId, key.id, new Date());
    expect((await here.findByHash(key.hash))?.revokedAt).toBeInstanceOf(Date);
    // It comes back by itself, and holds keys again.
    await waitUntil(() => feed.live);
    const another = await createdElsewhere();
    await here.findByHash(another.hash);
    expect(await lookupsOf(() => here.findByHash(another.hash))).toBe(0);
  });

  it('holds at most its configured number of keys, the least recently used out first', async () => {
    const keys = await Promise.all(Array.from({ length: MAX_HELD + 5 }, () => elsewhere.create(newApiKey())));
    await quietOn(feed);
    for (const key of keys) await here.findByHash(key.hash);
    expect(held.records.size).toBe(MAX_HELD);
    expect(held.pointers.size).toBe(MAX_HELD);
    expect(await lookupsOf(() => here.findByHash(keys[0]?.hash ?? ''))).toBe(2);
    expect(await lookupsOf(() => here.findByHash(keys.at(-1)?.hash ?? ''))).toBe(0);
  });
});
