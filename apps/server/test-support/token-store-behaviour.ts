import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { RefreshFamily, RotateRequest, TokenStore } from '../src/stores/token-store.js';

/** A store under test with a clock the suite moves. */
export interface TokenStoreFixture {
  readonly store: TokenStore;
  /** The store's clock, epoch milliseconds. */
  now(): number;
  /** Moves the store's clock forward. */
  advance(ms: number): void;
}

const ACCESS_TTL_SECONDS = 60;
const ORIGIN = { requestId: 'req-1', ip: '192.0.2.1' };

/**
 * The behaviour every TokenStore must have, run against the memory and the
 * Redis implementation alike so both answer the same to the same calls.
 */
export function describeTokenStore(name: string, create: () => Promise<TokenStoreFixture>): void {
  describe(`TokenStore: ${name}`, () => {
    let fixture: TokenStoreFixture;
    const now = () => fixture.now();

    async function newFamily(overrides: Partial<RefreshFamily> = {}): Promise<{ family: RefreshFamily; hash: string }> {
      const family: RefreshFamily = {
        familyId: randomUUID(),
        userId: randomUUID(),
        clientId: 'gatehouse',
        scopes: ['users:read', 'orders:read'],
        expiresAtMs: now() + 3_600_000,
        ...overrides,
      };
      const hash = `hash-${randomUUID()}`;
      await fixture.store.createFamily(family, hash);
      return { family, hash };
    }

    function rotation(familyId: string, presentedHash: string, extra: Partial<RotateRequest> = {}): RotateRequest {
      return {
        familyId,
        presentedHash,
        nextHash: `hash-${randomUUID()}`,
        clientId: undefined,
        origin: ORIGIN,
        accessTokenTtlSeconds: ACCESS_TTL_SECONDS,
        ...extra,
      };
    }

    beforeEach(async () => {
      fixture = await create();
    });

    it('rotates a token into its successor, keeping the family’s client, scopes and expiry', async () => {
      const { family, hash } = await newFamily();
      const first = rotation(family.familyId, hash);
      expect(await fixture.store.rotateRefreshToken(first)).toEqual({ outcome: 'rotated', family });
      const second = await fixture.store.rotateRefreshToken(rotation(family.familyId, first.nextHash));
      expect(second).toEqual({ outcome: 'rotated', family });
    });

    it('refuses a reused refresh token and revokes its family, naming the first use', async () => {
      const { family, hash } = await newFamily();
      const first = rotation(family.familyId, hash, { origin: { requestId: 'req-first', ip: '198.51.100.7' } });
      await fixture.store.rotateRefreshToken(first);

      const reuse = await fixture.store.rotateRefreshToken(rotation(family.familyId, hash));
      expect(reuse).toMatchObject({ outcome: 'reused', family, firstUse: { requestId: 'req-first', ip: '198.51.100.7' } });
      // The newest token dies with its family, and so do the family's access tokens.
      expect(await fixture.store.rotateRefreshToken(rotation(family.familyId, first.nextHash))).toEqual({ outcome: 'revoked', family });
      expect(await fixture.store.isAccessTokenRevoked({ jti: randomUUID(), sessionId: family.familyId, userId: family.userId, issuedAt: 0 })).toBe(true);
    });

    it('lets exactly one of ten concurrent rotations of one token succeed', async () => {
      const { family, hash } = await newFamily();
      const results = await Promise.all(
        Array.from({ length: 10 }, () => fixture.store.rotateRefreshToken(rotation(family.familyId, hash))),
      );
      expect(results.filter((result) => result.outcome === 'rotated')).toHaveLength(1);
      expect(results.every((result) => ['rotated', 'reused', 'revoked'].includes(result.outcome))).toBe(true);
    });

    it('answers a replay within the grace window with the one successor it sealed, leaving the family live', async () => {
      const { family, hash } = await newFamily();
      const first = rotation(family.familyId, hash, { grace: { windowMs: 5_000, sealedSuccessor: 'sealed-first' } });
      expect(await fixture.store.rotateRefreshToken(first)).toEqual({ outcome: 'rotated', family });
      fixture.advance(4_000);
      const replay = rotation(family.familyId, hash, { grace: { windowMs: 5_000, sealedSuccessor: 'sealed-second' } });
      expect(await fixture.store.rotateRefreshToken(replay)).toEqual({ outcome: 'replayed', family, sealedSuccessor: 'sealed-first' });
      // A single successor: the replay stored nothing, and the first successor still rotates.
      expect(await fixture.store.rotateRefreshToken(rotation(family.familyId, replay.nextHash))).toEqual({ outcome: 'unknown' });
      expect(await fixture.store.rotateRefreshToken(rotation(family.familyId, first.nextHash))).toEqual({ outcome: 'rotated', family });
    });

    it('treats a replay after the grace window as reuse and revokes the family', async () => {
      const { family, hash } = await newFamily();
      const first = rotation(family.familyId, hash, { grace: { windowMs: 5_000, sealedSuccessor: 'sealed-first' } });
      await fixture.store.rotateRefreshToken(first);
      fixture.advance(5_001);
      expect(await fixture.store.rotateRefreshToken(rotation(family.familyId, hash))).toMatchObject({ outcome: 'reused', family });
      expect(await fixture.store.rotateRefreshToken(rotation(family.familyId, first.nextHash))).toEqual({ outcome: 'revoked', family });
    });

    it('gives ten concurrent rotations of one token with grace one rotation and nine replays of the same successor', async () => {
      const { family, hash } = await newFamily();
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          fixture.store.rotateRefreshToken(rotation(family.familyId, hash, { grace: { windowMs: 5_000, sealedSuccessor: `sealed-${index}` } })),
        ),
      );
      expect(results.filter((result) => result.outcome === 'rotated')).toHaveLength(1);
      const replayed = results.filter((result) => result.outcome === 'replayed');
      expect(replayed).toHaveLength(9);
      expect(new Set(replayed.map((result) => (result.outcome === 'replayed' ? result.sealedSuccessor : '')))).toHaveLength(1);
    });

    it('refuses a token of an expired family', async () => {
      const { family, hash } = await newFamily({ expiresAtMs: now() + 5_000 });
      fixture.advance(5_001);
      expect(await fixture.store.rotateRefreshToken(rotation(family.familyId, hash))).toEqual({ outcome: 'expired' });
    });

    it('refuses unknown tokens and tokens presented under another family id', async () => {
      const { family, hash } = await newFamily();
      const other = await newFamily();
      expect(await fixture.store.rotateRefreshToken(rotation(family.familyId, 'hash-unknown'))).toEqual({ outcome: 'unknown' });
      expect(await fixture.store.rotateRefreshToken(rotation(other.family.familyId, hash))).toEqual({ outcome: 'unknown' });
      expect((await fixture.store.rotateRefreshToken(rotation(family.familyId, hash))).outcome).toBe('rotated');
    });

    it('inspects a refresh token without spending it: active until used, revoked or expired', async () => {
      const { family, hash } = await newFamily({ expiresAtMs: now() + 60_000 });
      expect(await fixture.store.inspectRefreshToken(family.familyId, hash)).toEqual({ family, active: true });
      expect(await fixture.store.inspectRefreshToken(family.familyId, hash)).toEqual({ family, active: true });
      const next = rotation(family.familyId, hash);
      expect((await fixture.store.rotateRefreshToken(next)).outcome).toBe('rotated');
      expect(await fixture.store.inspectRefreshToken(family.familyId, hash)).toEqual({ family, active: false });
      expect(await fixture.store.inspectRefreshToken(family.familyId, next.nextHash)).toEqual({ family, active: true });
      await fixture.store.revokeFamily(family.familyId, ACCESS_TTL_SECONDS);
      expect(await fixture.store.inspectRefreshToken(family.familyId, next.nextHash)).toEqual({ family, active: false });

      const other = await newFamily({ expiresAtMs: now() + 5_000 });
      expect(await fixture.store.inspectRefreshToken(family.familyId, other.hash)).toBeUndefined();
      expect(await fixture.store.inspectRefreshToken(other.family.familyId, 'hash-unknown')).toBeUndefined();
      fixture.advance(5_001);
      expect(await fixture.store.inspectRefreshToken(other.family.familyId, other.hash)).toBeUndefined();
    });

    it('keeps the DPoP key a family is bound to, for the refresh grant to check before rotating', async () => {
      const bound = await newFamily({ jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' });
      expect(await fixture.store.inspectRefreshToken(bound.family.familyId, bound.hash)).toEqual({ family: bound.family, active: true });
      const unbound = await newFamily();
      expect((await fixture.store.inspectRefreshToken(unbound.family.familyId, unbound.hash))?.family.jkt).toBeUndefined();
    });

    it('refuses another client’s token without spending it', async () => {
      const { family, hash } = await newFamily({ clientId: 'web' });
      expect(await fixture.store.rotateRefreshToken(rotation(family.familyId, hash, { clientId: 'mallory' }))).toEqual({ outcome: 'unknown' });
      expect((await fixture.store.rotateRefreshToken(rotation(family.familyId, hash, { clientId: 'web' }))).outcome).toBe('rotated');
    });

    it('revokes one family and its access tokens, leaving the user’s other families alone', async () => {
      const { family, hash } = await newFamily();
      const sibling = await newFamily({ userId: family.userId });
      expect(await fixture.store.revokeFamily(family.familyId, ACCESS_TTL_SECONDS)).toBe(true);
      expect(await fixture.store.revokeFamily(randomUUID(), ACCESS_TTL_SECONDS)).toBe(false);

      expect((await fixture.store.rotateRefreshToken(rotation(family.familyId, hash))).outcome).toBe('revoked');
      expect((await fixture.store.rotateRefreshToken(rotation(sibling.family.familyId, sibling.hash))).outcome).toBe('rotated');
      const check = (sessionId: string) => fixture.store.isAccessTokenRevoked({ jti: randomUUID(), sessionId, userId: family.userId, issuedAt: 0 });
      expect(await check(family.familyId)).toBe(true);
      expect(await check(sibling.family.familyId)).toBe(false);
    });

    it('revokes every family of a user and refuses access tokens issued before "not before"', async () => {
      const first = await newFamily();
      const second = await newFamily({ userId: first.family.userId });
      const stranger = await newFamily();
      const notBefore = Math.floor(now() / 1000);

      expect(await fixture.store.revokeUser(first.family.userId, notBefore, ACCESS_TTL_SECONDS)).toBe(2);
      for (const { family, hash } of [first, second]) {
        expect((await fixture.store.rotateRefreshToken(rotation(family.familyId, hash))).outcome).toBe('revoked');
      }
      expect((await fixture.store.rotateRefreshToken(rotation(stranger.family.familyId, stranger.hash))).outcome).toBe('rotated');

      const check = (issuedAt: number, userId = first.family.userId) =>
        fixture.store.isAccessTokenRevoked({ jti: randomUUID(), sessionId: undefined, userId, issuedAt });
      expect(await check(notBefore - 1)).toBe(true);
      expect(await check(notBefore)).toBe(false);
      expect(await check(notBefore - 1, stranger.family.userId)).toBe(false);
      // A second revocation finds nothing left to revoke.
      expect(await fixture.store.revokeUser(first.family.userId, notBefore, ACCESS_TTL_SECONDS)).toBe(0);
    });

    it('refuses a revoked access token by jti until it would have expired', async () => {
      const jti = randomUUID();
      const query = { jti, sessionId: undefined, userId: undefined, issuedAt: 0 };
      expect(await fixture.store.isAccessTokenRevoked(query)).toBe(false);
      await fixture.store.revokeAccessToken(jti, Math.floor(now() / 1000) + 60);
      expect(await fixture.store.isAccessTokenRevoked(query)).toBe(true);
      // An already expired token needs no marker: its signature check refuses it anyway.
      const expired = randomUUID();
      await fixture.store.revokeAccessToken(expired, Math.floor(now() / 1000) - 1);
      expect(await fixture.store.isAccessTokenRevoked({ ...query, jti: expired })).toBe(false);
    });
  });
}
