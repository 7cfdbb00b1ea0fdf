import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Scope } from '@gatehouse/contracts';
import type { EventOrigin, SecurityEvents } from '../audit/security-events.js';
import type { RefreshFamily, RefreshTokenState, TokenStore } from '../stores/token-store.js';
import { openSuccessor, sealSuccessor } from './refresh-grace-seal.js';
import type { SignInAuthentication } from './sign-in-authentication.js';

/**
 * Refresh tokens are `<familyId>.<secret>`: the family id (a UUID, also the
 * `sid` of the family's access tokens) lets the store find the family in the
 * same atomic step, and the secret is 256 random bits. Only the SHA-256 of
 * the whole token is stored, so a store dump yields no usable token.
 */
const REFRESH_TOKEN = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([A-Za-z0-9_-]{43})$/;

export interface IssuedRefreshToken {
  readonly token: string;
  readonly familyId: string;
  readonly expiresAt: Date;
  /** Seconds the family has left, by the server's clock (a cookie's Max-Age). */
  readonly expiresInSeconds: number;
}

export interface StartFamilyRequest {
  readonly userId: string;
  /** `gatehouse` for auth.login, the OAuth client otherwise. */
  readonly clientId: string;
  readonly scopes: readonly Scope[];
  /** The sign-in behind the family, kept so refreshed tokens carry the original acr and auth_time. */
  readonly authentication?: SignInAuthentication | undefined;
  /** The DPoP key the family is bound to (RFC 9449 section 5), when the client proved one and is public. */
  readonly jkt?: string | undefined;
}

export interface RotateOptions {
  /** The client presenting the token; its family must be that client's (OAuth refresh_token grant). */
  readonly clientId?: string | undefined;
  /** The request, recorded on the spent token and in security events. */
  readonly origin: EventOrigin;
}

/** Why a refresh was refused, in the wire vocabulary: `revoked_token` also covers detected reuse. */
export type RefreshFailureReason = 'invalid_token' | 'expired_token' | 'revoked_token';

export type RotateOutcome =
  | { readonly ok: true; readonly refreshToken: IssuedRefreshToken; readonly family: RefreshFamily }
  | { readonly ok: false; readonly reason: RefreshFailureReason };

/**
 * The refresh-token lifecycle, shared by auth.login/auth.refresh and the
 * OAuth token endpoint: start a family, rotate a token (one atomic store
 * operation), revoke a family. Reuse detection and its security event live
 * here, so every grant gets them.
 */
export interface RefreshTokens {
  startFamily(request: StartFamilyRequest): Promise<IssuedRefreshToken>;
  rotate(token: string, options: RotateOptions): Promise<RotateOutcome>;
  /** Revokes a family and its live access tokens; false when there was none. */
  revokeFamily(familyId: string): Promise<boolean>;
  /** What a refresh token stands for, without spending it; undefined for anything this server did not issue. */
  inspect(token: string): Promise<RefreshTokenState | undefined>;
}

export interface RefreshTokensOptions {
  readonly store: TokenStore;
  readonly events: SecurityEvents;
  /** GATEHOUSE_REFRESH_TOKEN_TTL: a family's absolute lifetime. */
  readonly ttlSeconds: number;
  /** GATEHOUSE_ACCESS_TOKEN_TTL: how long a revoked family's access tokens stay refused. */
  readonly accessTokenTtlSeconds: number;
  /**
   * GATEHOUSE_REFRESH_GRACE_SECONDS (default 0, off): a token presented again this soon after its rotation gets
   * the same single successor back instead of revoking its family; later it is reuse as ever.
   */
  readonly graceSeconds?: number;
  readonly now?: () => number;
}

export function createRefreshTokens(options: RefreshTokensOptions): RefreshTokens {
  const { store, events, ttlSeconds, accessTokenTtlSeconds } = options;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw new RangeError('refresh token ttlSeconds must be a positive integer');
  const now = options.now ?? Date.now;
  const graceMs = (options.graceSeconds ?? 0) * 1000;
  if (!Number.isInteger(graceMs) || graceMs < 0) throw new RangeError('refresh grace seconds must be a non-negative integer');

  function mint(familyId: string, expiresAtMs: number) {
    const token = `${familyId}.${randomBytes(32).toString('base64url')}`;
    const expiresInSeconds = Math.max(0, Math.floor((expiresAtMs - now()) / 1000));
    return { token, hash: hashRefreshToken(token), issued: { token, familyId, expiresAt: new Date(expiresAtMs), expiresInSeconds } };
  }

  return {
    async startFamily(request) {
      const familyId = randomUUID();
      const expiresAtMs = now() + ttlSeconds * 1000;
      const { hash, issued } = mint(familyId, expiresAtMs);
      const family = {
        familyId,
        userId: request.userId,
        clientId: request.clientId,
        scopes: [...request.scopes],
        expiresAtMs,
        ...(request.authentication === undefined ? {} : { authentication: request.authentication }),
        ...(request.jkt === undefined ? {} : { jkt: request.jkt }),
      };
      await store.createFamily(family, hash);
      return issued;
    },

    async rotate(token, { clientId, origin }) {
      const match = REFRESH_TOKEN.exec(token);
      if (match?.[1] === undefined) return { ok: false, reason: 'invalid_token' };
      const familyId = match[1];
      // The successor's expiry is the family's, which only the store knows: filled in below.
      const next = mint(familyId, now());
      const result = await store.rotateRefreshToken({
        familyId,
        presentedHash: hashRefreshToken(token),
        nextHash: next.hash,
        clientId,
        origin: { requestId: origin.requestId, ip: origin.ip },
        accessTokenTtlSeconds,
        ...(graceMs === 0 ? {} : { grace: { windowMs: graceMs, sealedSuccessor: sealSuccessor(token, next.token) } }),
      });
      switch (result.outcome) {
        case 'rotated': {
          const { family } = result;
          events.emit('token.refreshed', { ...origin, principal: `user:${family.userId}` }, { familyId, clientId: family.clientId });
          const expiresInSeconds = Math.max(0, Math.floor((family.expiresAtMs - now()) / 1000));
          return { ok: true, family, refreshToken: { ...next.issued, expiresAt: new Date(family.expiresAtMs), expiresInSeconds } };
        }
        case 'replayed': {
          // The same token again within the grace window: the one successor it already has, nothing new minted.
          const successor = openSuccessor(token, result.sealedSuccessor);
          if (successor === undefined) return { ok: false, reason: 'revoked_token' };
          const { family } = result;
          events.emit('token.refreshed', { ...origin, principal: `user:${family.userId}` }, { familyId, clientId: family.clientId, grace: true });
          const expiresInSeconds = Math.max(0, Math.floor((family.expiresAtMs - now()) / 1000));
          const refreshToken = { token: successor, familyId, expiresAt: new Date(family.expiresAtMs), expiresInSeconds };
          return { ok: true, family, refreshToken };
        }
        case 'reused':
          // A spent token came back: either the thief or the legitimate client holds a copy, and we
          // cannot tell which, so the whole family ends (RFC 9700 section 4.14.2).
          events.emit('token.reuse_detected', { ...origin, principal: `user:${result.family.userId}` }, {
            familyId,
            clientId: result.family.clientId,
            firstUseRequestId: result.firstUse.requestId,
            firstUseIp: result.firstUse.ip,
            firstUseAt: new Date(result.firstUse.atMs).toISOString(),
          });
          return { ok: false, reason: 'revoked_token' };
        case 'revoked':
          return { ok: false, reason: 'revoked_token' };
        case 'expired':
          return { ok: false, reason: 'expired_token' };
        case 'unknown':
          return { ok: false, reason: 'invalid_token' };
      }
    },

    revokeFamily(familyId) {
      return store.revokeFamily(familyId, accessTokenTtlSeconds);
    },

    async inspect(token) {
      const familyId = REFRESH_TOKEN.exec(token)?.[1];
      return familyId === undefined ? undefined : store.inspectRefreshToken(familyId, hashRefreshToken(token));
    },
  };
}

/** SHA-256, base64url. No salt needed: the input is 256 random bits, not a password. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/**
 * Whether a string has a refresh token's shape (access tokens are JWTs), so
 * that endpoints taking either kind (RFC 7009, RFC 7662) skip the wrong check.
 */
export function looksLikeRefreshToken(token: string): boolean {
  return REFRESH_TOKEN.test(token);
}
