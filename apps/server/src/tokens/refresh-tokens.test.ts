import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { createSecurityEvents, type EventOrigin, type SecurityEvent } from '../audit/security-events.js';
import { createMemoryTokenStore } from '../stores/memory/memory-token-store.js';
import type { TokenStore } from '../stores/token-store.js';
import { createRefreshTokens, hashRefreshToken, looksLikeRefreshToken, type RefreshTokens, type RefreshTokensOptions } from './refresh-tokens.js';
import { passwordSignIn } from './sign-in-authentication.js';

const START_MS = Date.UTC(2026, 11, 3, 9, 0, 0);
const TTL_SECONDS = 3_600;
const ACCESS_TTL_SECONDS = 900;
const FIRST: EventOrigin = { ip: '203.0.113.7', requestId: 'req-first', principal: undefined };
const SECOND: EventOrigin = { ip: '198.51.100.9', requestId: 'req-second', principal: undefined };

/** Security events reach sinks a microtask after emit: one macrotask later every sink has them. */
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('refresh tokens', () => {
  let nowMs: number;
  let store: TokenStore;
  let storeCalls: number;
  let events: SecurityEvent[];
  const create = (extra: Partial<RefreshTokensOptions> = {}): RefreshTokens => {
    const securityEvents = createSecurityEvents(pino({ level: 'silent' }));
    securityEvents.addSink({ record: (event) => void events.push(event) });
    return createRefreshTokens({ store, events: securityEvents, ttlSeconds: TTL_SECONDS, accessTokenTtlSeconds: ACCESS_TTL_SECONDS, now: () => nowMs, ...extra });
  };
  const start = (refreshTokens: RefreshTokens, extra: { jkt?: string } = {}) =>
    refreshTokens.startFamily({ userId: 'user-alice', clientId: 'client-web', scopes: ['orders:read', 'users:read'], ...extra });

  beforeEach(() => {
    nowMs = START_MS;
    events = [];
    storeCalls = 0;
    const real = createMemoryTokenStore({ now: () => nowMs });
    // The real store, counted: a malformed token must be refused without a store round trip.
    store = {
      ...real,
      rotateRefreshToken: (request) => ((storeCalls += 1), real.rotateRefreshToken(request)),
      inspectRefreshToken: (familyId, hash) => ((storeCalls += 1), real.inspectRefreshToken(familyId, hash)),
    };
  });

  it('refuses a lifetime or grace that is not a whole, positive number of seconds when created', () => {
    for (const ttlSeconds of [0, -1, 1.5, Number.NaN]) expect(() => create({ ttlSeconds })).toThrow(RangeError);
    for (const graceSeconds of [-1, 0.0005]) expect(() => create({ graceSeconds })).toThrow(RangeError);
    expect(() => create({ ttlSeconds: 1, graceSeconds: 0 })).not.toThrow();
  });

  it('starts a family with a <familyId>.<secret> token that lives exactly the TTL and keeps what the sign-in was', async () => {
    const refreshTokens = create();
    const authentication = passwordSignIn(START_MS);
    const issued = await refreshTokens.startFamily({ userId: 'user-alice', clientId: 'client-web', scopes: ['orders:read'], authentication, jkt: 'thumbprint-of-the-dpop-key' });
    expect(issued.token).toMatch(/^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
    expect(issued.token.startsWith(`${issued.familyId}.`)).toBe(true);
    expect(issued.expiresAt).toEqual(new Date(START_MS + TTL_SECONDS * 1000));
    expect(issued.expiresInSeconds).toBe(TTL_SECONDS);
    expect(looksLikeRefreshToken(issued.token)).toBe(true);
    const state = await refreshTokens.inspect(issued.token);
    expect(state).toStrictEqual({
      active: true,
      family: { familyId: issued.familyId, userId: 'user-alice', clientId: 'client-web', scopes: ['orders:read'], expiresAtMs: START_MS + TTL_SECONDS * 1000, authentication, jkt: 'thumbprint-of-the-dpop-key' },
    });
  });

  it('keeps no sign-in and no DPoP key for a family started without them', async () => {
    const refreshTokens = create();
    const issued = await start(refreshTokens);
    const state = await refreshTokens.inspect(issued.token);
    expect(state?.family.scopes).toEqual(['orders:read', 'users:read']);
    expect(Object.keys(state?.family ?? {}).sort()).toEqual(['clientId', 'expiresAtMs', 'familyId', 'scopes', 'userId']);
  });

  it('gives two families two distinct tokens and ids', async () => {
    const refreshTokens = create();
    const [a, b] = await Promise.all([start(refreshTokens), start(refreshTokens)]);
    expect(a.familyId).not.toBe(b.familyId);
    expect(a.token.split('.')[1]).not.toBe(b.token.split('.')[1]);
  });

  it('rotates a token into a new one of the same family, expiring with the family, and reports token.refreshed', async () => {
    const refreshTokens = create();
    const first = await start(refreshTokens);
    nowMs = START_MS + 1_500;
    const outcome = await refreshTokens.rotate(first.token, { origin: FIRST });
    if (!outcome.ok) throw new Error(`rotation refused: ${outcome.reason}`);
    expect(outcome.refreshToken.token).not.toBe(first.token);
    expect(outcome.refreshToken.familyId).toBe(first.familyId);
    expect(outcome.refreshToken.token.startsWith(`${first.familyId}.`)).toBe(true);
    expect(outcome.refreshToken.expiresAt).toEqual(first.expiresAt);
    // 3,598.5 seconds are left: whole seconds, rounded down, so a cookie never outlives the family.
    expect(outcome.refreshToken.expiresInSeconds).toBe(TTL_SECONDS - 2);
    expect(outcome.family.userId).toBe('user-alice');
    expect((await refreshTokens.inspect(first.token))?.active).toBe(false);
    expect((await refreshTokens.inspect(outcome.refreshToken.token))?.active).toBe(true);
    await settled();
    expect(events).toMatchObject([{ type: 'token.refreshed', ip: FIRST.ip, requestId: FIRST.requestId, principal: 'user:user-alice', details: { familyId: first.familyId, clientId: 'client-web' } }]);
    expect(events[0]?.details).not.toHaveProperty('grace');
  });

  it('revokes the family when a spent token comes back, naming the request that spent it first', async () => {
    const refreshTokens = create();
    const first = await start(refreshTokens);
    nowMs = START_MS + 10_000;
    const rotated = await refreshTokens.rotate(first.token, { origin: FIRST });
    nowMs = START_MS + 20_000;
    expect(await refreshTokens.rotate(first.token, { origin: SECOND })).toEqual({ ok: false, reason: 'revoked_token' });
    // The legitimate successor dies with its family.
    if (!rotated.ok) throw new Error('first rotation refused');
    expect(await refreshTokens.rotate(rotated.refreshToken.token, { origin: FIRST })).toEqual({ ok: false, reason: 'revoked_token' });
    // And the family's access tokens are refused for an access token's lifetime, no longer.
    const query = { jti: randomUUID(), sessionId: first.familyId, userId: undefined, issuedAt: Math.floor(START_MS / 1000) };
    expect(await store.isAccessTokenRevoked(query)).toBe(true);
    nowMs = START_MS + 20_000 + ACCESS_TTL_SECONDS * 1000;
    expect(await store.isAccessTokenRevoked(query)).toBe(false);
    await settled();
    expect(events.map((event) => event.type)).toEqual(['token.refreshed', 'token.reuse_detected']);
    expect(events[1]).toMatchObject({
      ip: SECOND.ip,
      requestId: SECOND.requestId,
      principal: 'user:user-alice',
      details: { familyId: first.familyId, clientId: 'client-web', firstUseRequestId: 'req-first', firstUseIp: '203.0.113.7', firstUseAt: new Date(START_MS + 10_000).toISOString() },
    });
  });

  it('refuses tokens of a revoked, an expired or an unknown family, and reports nothing', async () => {
    const refreshTokens = create();
    const revoked = await start(refreshTokens);
    expect(await refreshTokens.revokeFamily(revoked.familyId)).toBe(true);
    expect(await refreshTokens.rotate(revoked.token, { origin: FIRST })).toEqual({ ok: false, reason: 'revoked_token' });
    expect(await refreshTokens.revokeFamily(randomUUID())).toBe(false);

    const expiring = await start(refreshTokens);
    nowMs = START_MS + TTL_SECONDS * 1000;
    expect(await refreshTokens.rotate(expiring.token, { origin: FIRST })).toEqual({ ok: false, reason: 'expired_token' });

    const unknown = `${randomUUID()}.${'A'.repeat(43)}`;
    expect(looksLikeRefreshToken(unknown)).toBe(true);
    expect(await refreshTokens.rotate(unknown, { origin: FIRST })).toEqual({ ok: false, reason: 'invalid_token' });
    await settled();
    expect(events).toEqual([]);
  });

  it('revoking a family refuses its access tokens for an access token lifetime', async () => {
    const refreshTokens = create();
    const issued = await start(refreshTokens);
    await refreshTokens.revokeFamily(issued.familyId);
    const query = { jti: randomUUID(), sessionId: issued.familyId, userId: undefined, issuedAt: Math.floor(START_MS / 1000) };
    nowMs = START_MS + ACCESS_TTL_SECONDS * 1000 - 1;
    expect(await store.isAccessTokenRevoked(query)).toBe(true);
    nowMs = START_MS + ACCESS_TTL_SECONDS * 1000;
    expect(await store.isAccessTokenRevoked(query)).toBe(false);
  });

  it('refuses another client’s token without spending it', async () => {
    const refreshTokens = create();
    const issued = await start(refreshTokens);
    expect(await refreshTokens.rotate(issued.token, { clientId: 'client-evil', origin: FIRST })).toEqual({ ok: false, reason: 'invalid_token' });
    expect((await refreshTokens.rotate(issued.token, { clientId: 'client-web', origin: FIRST })).ok).toBe(true);
  });

  it('refuses anything not shaped like a refresh token without asking the store', async () => {
    const refreshTokens = create();
    const { token } = await start(refreshTokens);
    const [familyId = '', secret = ''] = token.split('.');
    const malformed = [
      '',
      'eyJhbGciOiJFUzI1NiJ9.e30.sig',
      `x${token}`,
      `${token}x`,
      `${familyId}.${secret.slice(1)}`,
      `${familyId.toUpperCase()}.${secret}`,
      `${familyId.replaceAll('-', '')}.${secret}`,
      `${familyId}.${secret.slice(1)}+`,
      `${familyId}:${secret}`,
    ];
    for (const candidate of malformed) {
      expect(looksLikeRefreshToken(candidate), candidate).toBe(false);
      expect(await refreshTokens.rotate(candidate, { origin: FIRST })).toEqual({ ok: false, reason: 'invalid_token' });
      expect(await refreshTokens.inspect(candidate)).toBeUndefined();
    }
    expect(storeCalls).toBe(0);
    expect((await refreshTokens.inspect(token))?.active).toBe(true);
  });

  it('inspects nothing for a token of the right shape the server never issued', async () => {
    const refreshTokens = create();
    const { familyId } = await start(refreshTokens);
    expect(await refreshTokens.inspect(`${familyId}.${'B'.repeat(43)}`)).toBeUndefined();
  });

  it('stores only the SHA-256 of a token (base64url), so a store dump yields no usable token', () => {
    expect(hashRefreshToken('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
  });

  describe('with a grace window', () => {
    it('answers the same token presented again within the window with the one successor it already has', async () => {
      const refreshTokens = create({ graceSeconds: 5 });
      const first = await start(refreshTokens);
      const rotated = await refreshTokens.rotate(first.token, { origin: FIRST });
      nowMs = START_MS + 4_999;
      const again = await refreshTokens.rotate(first.token, { origin: SECOND });
      if (!rotated.ok || !again.ok) throw new Error('refused within the grace window');
      expect(again.refreshToken).toEqual({ ...rotated.refreshToken, expiresInSeconds: TTL_SECONDS - 5 });
      expect(again.family.familyId).toBe(first.familyId);
      await settled();
      expect(events[1]).toMatchObject({ type: 'token.refreshed', requestId: 'req-second', principal: 'user:user-alice', details: { familyId: first.familyId, clientId: 'client-web', grace: true } });
      // The successor still works: nothing was revoked.
      expect((await refreshTokens.rotate(rotated.refreshToken.token, { origin: FIRST })).ok).toBe(true);
    });

    it('treats the same token after the window as reuse and revokes the family', async () => {
      const refreshTokens = create({ graceSeconds: 5 });
      const first = await start(refreshTokens);
      await refreshTokens.rotate(first.token, { origin: FIRST });
      nowMs = START_MS + 5_000;
      expect(await refreshTokens.rotate(first.token, { origin: SECOND })).toEqual({ ok: false, reason: 'revoked_token' });
    });

    it('has no window when grace is off: a second presentation is reuse at once', async () => {
      const refreshTokens = create();
      const first = await start(refreshTokens);
      await refreshTokens.rotate(first.token, { origin: FIRST });
      expect(await refreshTokens.rotate(first.token, { origin: SECOND })).toEqual({ ok: false, reason: 'revoked_token' });
    });
  });
});
