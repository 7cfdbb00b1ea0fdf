import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../test-support/wait-until.js';
import { announcedOn, killFeedConnection } from '../../test-support/invalidation-feed-probes.js';
import { createRedisTokenStore, redisRevocationMarkerPrefixes } from '../stores/redis/redis-token-store.js';
import { createRedisTestNamespace, type RedisTestNamespace } from '../../test-support/redis-test-namespace.js';
import type { TokenStore } from '../stores/token-store.js';
import type { VerifiedAccessToken } from './verified-access-token.js';
import { isCluster } from '../stores/redis/redis-client.js';
import { createRedisInvalidationFeed, type RedisInvalidationFeed } from '../stores/redis/redis-invalidation-feed.js';
import { createMemoryTokenStore } from '../stores/memory/memory-token-store.js';
import { createTokenRevocation, type TokenRevocation } from './token-revocation.js';

// Two "processes" over one Redis: each has its own token store connection, feed and held verdicts. What one
// revokes, the other must refuse on its next call, with or without its feed.
let namespace: RedisTestNamespace;
let feed: RedisInvalidationFeed;
let storeAsks = 0;
let store: TokenStore;
let here: TokenRevocation;
let elsewhere: TokenRevocation;
const FEED_NAME = `revocation-feed-test-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  namespace = await createRedisTestNamespace('token-revocation');
  const redis = namespace.redis;
  // The feed is for one Redis server (on a cluster every call asks the store): the test namespace is one.
  if (isCluster(redis)) throw new Error('token-revocation.test.ts needs a single Redis server');
  store = createRedisTokenStore({ redis: namespace.redis, keyPrefix: namespace.prefix });
  // The real store, counted: how often a check costs a Redis round trip.
  const counted: TokenStore = { ...store, isAccessTokenRevoked: (query) => ((storeAsks += 1), store.isAccessTokenRevoked(query)) };
  feed = createRedisInvalidationFeed({
    redis,
    prefixes: redisRevocationMarkerPrefixes(namespace.prefix),
    logger: pino({ level: 'silent' }),
    heartbeatMs: 200,
    connectionName: FEED_NAME,
  });
  here = createTokenRevocation({ store: counted, accessTokenTtlSeconds: 60, feed, maxHeldVerdicts: 100 });
  elsewhere = createTokenRevocation({ store, accessTokenTtlSeconds: 60 });
  await waitUntil(() => feed.live);
});
afterAll(async () => {
  await feed.close();
  await namespace.cleanup();
});


function token(overrides: Partial<VerifiedAccessToken> = {}): VerifiedAccessToken {
  const issuedAt = Math.floor(Date.now() / 1000) - 5;
  return { subject: randomUUID(), clientId: 'gatehouse', scopes: [], jti: randomUUID(), grant: 'user', issuedAt, expiresAt: issuedAt + 60, sessionId: randomUUID(), ...overrides };
}

/** How many store round trips `check` cost. */
async function asks(check: () => Promise<unknown>): Promise<number> {
  const before = storeAsks;
  await check();
  return storeAsks - before;
}

describe('revocation verdicts held locally under Redis’s invalidation feed', () => {
  it('asks Redis once for a token, then answers its repeat calls locally', async () => {
    const alice = token();
    expect(await asks(() => here.isRevoked(alice))).toBe(1);
    expect(await asks(async () => expect(await here.isRevoked(alice)).toBe(false))).toBe(0);
    expect(here.heldVerdicts).toBeGreaterThan(0);
  });

  it.each([
    ['its own logout', (revoked: VerifiedAccessToken) => elsewhere.endSession({ jti: revoked.jti, expiresAt: revoked.expiresAt, sessionId: undefined })],
    ['its session’s logout from another token', (revoked: VerifiedAccessToken) => elsewhere.endSession({ jti: randomUUID(), expiresAt: revoked.expiresAt, sessionId: revoked.sessionId })],
    ['a revocation of its user', (revoked: VerifiedAccessToken) => elsewhere.revokeUser(revoked.subject)],
  ])('refuses a token on its next call after %s in another process', async (_what, revoke) => {
    const alice = token();
    // A live session: its family exists, as after a login.
    await store.createFamily({ familyId: alice.sessionId as string, userId: alice.subject, clientId: 'gatehouse', scopes: [], expiresAtMs: Date.now() + 60_000 }, randomUUID());
    expect(await here.isRevoked(alice)).toBe(false);
    // Redis announces the write on the feed's connection; the next call after it asks Redis again.
    await announcedOn(feed, () => revoke(alice));
    expect(await here.isRevoked(alice)).toBe(true);
  });

  it('fails closed while its subscription is down: every call asks Redis, and sees a revocation made meanwhile', async () => {
    const alice = token();
    expect(await here.isRevoked(alice)).toBe(false);
    await killFeedConnection(namespace.redis, feed, FEED_NAME);
    expect(await asks(() => here.isRevoked(alice))).toBe(1);
    expect(await asks(() => here.isRevoked(alice))).toBe(1);
    await elsewhere.endSession({ jti: alice.jti, expiresAt: alice.expiresAt, sessionId: undefined });
    expect(await here.isRevoked(alice)).toBe(true);
    // It comes back by itself, and holds verdicts again.
    await waitUntil(() => feed.live);
    const bob = token();
    await here.isRevoked(bob);
    expect(await asks(() => here.isRevoked(bob))).toBe(0);
  });

  it('holds at most its configured number of verdicts', async () => {
    for (let index = 0; index < 150; index += 1) await here.isRevoked(token());
    expect(here.heldVerdicts).toBe(here.maxHeldVerdicts);
  });
});

describe('revocation without a feed (the memory store)', () => {
  const START_MS = Date.UTC(2026, 11, 3, 9, 0, 30, 700);
  const startSeconds = Math.floor(START_MS / 1000);
  function setup() {
    const clock = { now: START_MS };
    const memory = createMemoryTokenStore({ now: () => clock.now });
    const revocation = createTokenRevocation({ store: memory, accessTokenTtlSeconds: 60, now: () => clock.now });
    return { clock, memory, revocation };
  }
  const issued = (overrides: Partial<VerifiedAccessToken> = {}): VerifiedAccessToken =>
    token({ issuedAt: startSeconds - 5, expiresAt: startSeconds + 55, ...overrides });

  it('holds no verdicts, and says so with the default bound', () => {
    const { revocation } = setup();
    expect(revocation.heldVerdicts).toBe(0);
    expect(revocation.maxHeldVerdicts).toBe(50_000);
  });

  it('ends the presented token until its exp, and its session with every token of it', async () => {
    const { clock, memory, revocation } = setup();
    const alice = issued();
    const sibling = issued({ subject: alice.subject, sessionId: alice.sessionId });
    await memory.createFamily({ familyId: alice.sessionId as string, userId: alice.subject, clientId: 'gatehouse', scopes: [], expiresAtMs: START_MS + 3_600_000 }, randomUUID());
    expect(await revocation.isRevoked(alice)).toBe(false);
    await revocation.endSession(alice);
    expect(await revocation.isRevoked(alice)).toBe(true);
    expect(await revocation.isRevoked(sibling)).toBe(true);
    // The session marker lasts one access-token lifetime (60 s here), the token's own until its exp (55 s).
    clock.now = START_MS + 59_000;
    expect(await revocation.isRevoked(sibling)).toBe(true);
    clock.now = START_MS + 60_000;
    expect(await revocation.isRevoked(sibling)).toBe(false);
  });

  it('ends only the presented token when it belongs to no session', async () => {
    const { revocation } = setup();
    const lone = issued({ sessionId: undefined });
    await revocation.endSession(lone);
    expect(await revocation.isRevoked(lone)).toBe(true);
    expect(await revocation.isRevoked(issued({ subject: lone.subject, sessionId: undefined }))).toBe(false);
  });

  it('refuses a user’s tokens issued before the revocation’s second, and not a client’s token of the same name', async () => {
    const { clock, memory, revocation } = setup();
    const userId = randomUUID();
    await memory.createFamily({ familyId: randomUUID(), userId, clientId: 'gatehouse', scopes: [], expiresAtMs: START_MS + 3_600_000 }, randomUUID());
    expect(await revocation.revokeUser(userId)).toBe(1);
    expect(await revocation.isRevoked(issued({ subject: userId, sessionId: undefined, issuedAt: startSeconds - 1 }))).toBe(true);
    // Issued in the same second as the revocation (a login right after it): works.
    expect(await revocation.isRevoked(issued({ subject: userId, sessionId: undefined, issuedAt: startSeconds }))).toBe(false);
    // client_credentials tokens name a client, never a user.
    expect(await revocation.isRevoked(issued({ subject: userId, sessionId: undefined, grant: 'client_credentials', issuedAt: startSeconds - 1 }))).toBe(false);
    // The marker lasts one access-token lifetime.
    clock.now = START_MS + 60_000;
    expect(await revocation.isRevoked(issued({ subject: userId, sessionId: undefined, issuedAt: startSeconds - 1 }))).toBe(false);
  });
});
