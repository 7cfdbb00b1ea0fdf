import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announcedOn, countedConnection, killFeedConnection, quietOn, type CountedConnection } from '../../../test-support/invalidation-feed-probes.js';
import { waitUntil } from '../../../test-support/wait-until.js';
import { describeUserStore, newUser } from '../../../test-support/user-store-behaviour.js';
import { createRedisStoreFixture, type RedisStoreFixture } from '../../../test-support/redis-store-fixture.js';
import type { UserRecord, UserStore } from '../user-store.js';
import { createFeedHeldReads, type FeedHeldReads } from './feed-held-reads.js';
import { isCluster } from './redis-client.js';
import { createRedisInvalidationFeed, type RedisInvalidationFeed } from './redis-invalidation-feed.js';
import { createRedisUserStore, redisUserRecordPrefix } from './redis-user-store.js';

// Two "processes" over one Redis: `here` holds user records under its feed, `elsewhere` (another server, or the
// operators' CLI) writes through a connection of its own and holds nothing. What elsewhere changes, here must see
// on its first lookup after Redis announces it; what here changes, here must see at once.
let fixture: RedisStoreFixture;
let feed: RedisInvalidationFeed;
let keyPrefix: string;
let held: FeedHeldReads<UserRecord>;
let here: UserStore;
let elsewhere: UserStore;
/** `here`'s connection, counting the HGETALLs it sends: a lookup that cost a round trip. */
let reads: CountedConnection;
const FEED_NAME = `feed-held-reads-test-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  fixture = await createRedisStoreFixture('feed-held-reads');
  // The feed is for one Redis server (on a cluster nothing is held): the test namespace is one.
  if (isCluster(fixture.redis)) throw new Error('feed-held-reads.test.ts needs a single Redis server');
  keyPrefix = fixture.freshPrefix();
  feed = createRedisInvalidationFeed({
    redis: fixture.redis as Redis,
    prefixes: [redisUserRecordPrefix(keyPrefix)],
    logger: pino({ level: 'silent' }),
    heartbeatMs: 200,
    connectionName: FEED_NAME,
  });
  held = createFeedHeldReads<UserRecord>({ feed, maxEntries: 50 });
  reads = countedConnection(fixture.redis, ['hgetall']);
  here = createRedisUserStore({ redis: reads.redis, keyPrefix, held });
  elsewhere = createRedisUserStore({ redis: fixture.namespace.redis, keyPrefix });
  await waitUntil(() => feed.live);
});
afterAll(async () => {
  await feed.close();
  await fixture.close();
});


const readsOf = (lookup: () => Promise<unknown>) => reads.sentDuring(lookup);
const announced = (change: () => Promise<unknown>) => announcedOn(feed, change);

/** A user created by the other process, once Redis has announced the creation to this one. */
async function createdElsewhere(overrides: Parameters<typeof newUser>[0] = {}): Promise<UserRecord> {
  const user = await elsewhere.create(newUser(overrides));
  await quietOn(feed);
  return user;
}

// Every behaviour of a user store, through a store that holds what it reads (its own writes must show at once).
describeUserStore('redis, records held under the invalidation feed', async ({ now }) => {
  const prefix = fixture.freshPrefix();
  const own = heldFeedFor(prefix);
  await waitUntil(() => own.live);
  return createRedisUserStore({ redis: fixture.redis, keyPrefix: prefix, now, held: createFeedHeldReads<UserRecord>({ feed: own, maxEntries: 50 }) });
});

/** A feed of its own for each behaviour-suite store (its prefix differs), closed after the file. */
const extraFeeds: RedisInvalidationFeed[] = [];
function heldFeedFor(prefix: string): RedisInvalidationFeed {
  const own = createRedisInvalidationFeed({ redis: fixture.redis as Redis, prefixes: [redisUserRecordPrefix(prefix)], logger: pino({ level: 'silent' }) });
  extraFeeds.push(own);
  return own;
}
afterAll(async () => {
  await Promise.all(extraFeeds.map((each) => each.close()));
});

describe('user records held under Redis’s invalidation feed', () => {
  it('reads a user from Redis once, then answers repeat lookups without a round trip', async () => {
    const alice = await createdElsewhere();
    expect(await readsOf(() => here.findById(alice.id))).toBe(1);
    expect(await readsOf(async () => expect(await here.findById(alice.id)).toEqual(alice))).toBe(0);
  });

  it('never holds a user that does not exist: one created later is found at once', async () => {
    const id = randomUUID();
    expect(await here.findById(id)).toBeUndefined();
    expect(await readsOf(() => here.findById(id))).toBe(1);
  });

  it.each([
    ['a demotion', (user: UserRecord) => elsewhere.setRole(user.id, 'user'), (found: UserRecord | undefined) => expect(found?.role).toBe('user')],
    ['a disable', (user: UserRecord) => elsewhere.disable(user.id), (found: UserRecord | undefined) => expect(found?.disabledAt).toBeInstanceOf(Date)],
    ['an attribute change', (user: UserRecord) => elsewhere.setAttributes(user.id, { department: 'support' }), (found: UserRecord | undefined) => expect(found?.attributes).toEqual({ department: 'support' })],
    // An operator editing Redis by hand: no Gatehouse code ran, Redis announces it all the same.
    ['a hand-made HSET', (user: UserRecord) => fixture.namespace.redis.hset(`${keyPrefix}{u:${user.id}}:user`, 'role', 'user'), (found: UserRecord | undefined) => expect(found?.role).toBe('user')],
    ['the record deleted by hand', (user: UserRecord) => fixture.namespace.redis.del(`${keyPrefix}{u:${user.id}}:user`), (found: UserRecord | undefined) => expect(found).toBeUndefined()],
  ])('sees %s made by another process on its next lookup after Redis announces it', async (_what, change, expectChanged) => {
    const admin = await createdElsewhere({ role: 'admin' });
    expect((await here.findById(admin.id))?.role).toBe('admin');
    expect(await readsOf(() => here.findById(admin.id))).toBe(0);
    await announced(() => change(admin));
    expectChanged(await here.findById(admin.id));
  });

  it('sees its own change on the very next lookup, before Redis’s announcement of it comes back', async () => {
    const admin = await createdElsewhere({ role: 'admin' });
    await here.findById(admin.id);
    await here.setRole(admin.id, 'user');
    expect((await here.findById(admin.id))?.role).toBe('user');
  });

  it('does not hold a value whose key was written while it was being read', async () => {
    const admin = await createdElsewhere({ role: 'admin' });
    const key = `${keyPrefix}{u:${admin.id}}:user`;
    // The read's reply is the old record; the demotion lands and is announced before that reply is used.
    const raced = await held.read(key, async () => {
      const before = await elsewhere.findById(admin.id);
      await announced(() => elsewhere.setRole(admin.id, 'user'));
      return before;
    });
    expect(raced?.role).toBe('admin');
    expect((await here.findById(admin.id))?.role).toBe('user');
  });

  it('fails closed while its subscription is down: every lookup reads Redis and sees a change made meanwhile', async () => {
    const admin = await createdElsewhere({ role: 'admin' });
    await here.findById(admin.id);
    await killFeedConnection(fixture.namespace.redis, feed, FEED_NAME);
    expect(held.size).toBe(0);
    expect(await readsOf(() => here.findById(admin.id))).toBe(1);
    expect(await readsOf(() => here.findById(admin.id))).toBe(1);
    await elsewhere.setRole(admin.id, 'user');
    expect((await here.findById(admin.id))?.role).toBe('user');
    // It comes back by itself, and holds records again.
    await waitUntil(() => feed.live);
    await here.findById(admin.id);
    expect(await readsOf(() => here.findById(admin.id))).toBe(0);
  });

  it('holds at most its configured number of records, the least recently used out first', async () => {
    const users = await Promise.all(Array.from({ length: 60 }, () => elsewhere.create(newUser())));
    await quietOn(feed);
    for (const user of users) await here.findById(user.id);
    expect(held.size).toBe(held.maxEntries);
    expect(await readsOf(() => here.findById(users[0]?.id ?? ''))).toBe(1);
    expect(await readsOf(() => here.findById(users[59]?.id ?? ''))).toBe(0);
  });
});
