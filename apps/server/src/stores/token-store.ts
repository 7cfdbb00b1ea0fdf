import type { Scope } from '@gatehouse/contracts';
import type { SignInAuthentication } from '../tokens/sign-in-authentication.js';

/**
 * One refresh-token family: everything issued from one login or one OAuth
 * grant. Every token rotated from it shares its id, client, scopes and
 * absolute expiry; revoking the family ends all of them at once.
 */
export interface RefreshFamily {
  readonly familyId: string;
  readonly userId: string;
  readonly clientId: string;
  readonly scopes: readonly Scope[];
  /** Epoch milliseconds; the family never outlives it, however often it rotates. */
  readonly expiresAtMs: number;
  /** The sign-in that started the family: every access token rotated from it carries this acr, amr and auth_time. */
  readonly authentication?: SignInAuthentication;
  /**
   * The DPoP key (RFC 7638 thumbprint) the family is bound to (RFC 9449 section 5: a public client's refresh
   * tokens): only a proof signed with it may refresh. Kept by createFamily and read back by inspectRefreshToken.
   */
  readonly jkt?: string;
}

/** The request a rotation came from, kept on the used token so a later reuse can name both requests. */
export interface RotationOrigin {
  readonly requestId: string;
  readonly ip: string;
}

export interface RotateRequest {
  readonly familyId: string;
  /** SHA-256 (base64url) of the presented token. */
  readonly presentedHash: string;
  /** SHA-256 (base64url) of the token that replaces it. */
  readonly nextHash: string;
  /** When set, a token of another client's family is refused without being spent (RFC 6749 section 6). */
  readonly clientId: string | undefined;
  readonly origin: RotationOrigin;
  /** How long to keep the family's access tokens refused if this rotation revokes it. */
  readonly accessTokenTtlSeconds: number;
  /**
   * Refresh grace (GATEHOUSE_REFRESH_GRACE_SECONDS), absent when off: the successor, sealed with a key only the
   * presented token yields, is kept on the spent token for `windowMs`; the same token presented again within
   * that window answers `replayed` with it instead of revoking the family.
   */
  readonly grace?: { readonly windowMs: number; readonly sealedSuccessor: string };
}

/**
 * What one rotation did. Only `rotated` issued anything; `reused` means the
 * presented token had been spent before, so the family is now revoked.
 */
export type RotateResult =
  | { readonly outcome: 'rotated'; readonly family: RefreshFamily }
  | {
      readonly outcome: 'reused';
      readonly family: RefreshFamily;
      /** The rotation that spent the token first. */
      readonly firstUse: RotationOrigin & { readonly atMs: number };
    }
  | {
      /** The token was rotated less than the grace window ago: its one successor, as sealed then. Nothing new was issued. */
      readonly outcome: 'replayed';
      readonly family: RefreshFamily;
      readonly sealedSuccessor: string;
    }
  | { readonly outcome: 'revoked'; readonly family: RefreshFamily }
  | { readonly outcome: 'expired' }
  | { readonly outcome: 'unknown' };

/** What an access token is checked against: its own id, its family, and its subject's "not before". */
export interface AccessTokenRevocationQuery {
  readonly jti: string;
  readonly sessionId: string | undefined;
  readonly userId: string | undefined;
  /** `iat`, epoch seconds. */
  readonly issuedAt: number;
}

/**
 * State of refresh tokens and access-token revocation. Every method is one
 * atomic operation on the backing store (one Lua script in Redis), and
 * `isAccessTokenRevoked` one round trip, because it runs on every request.
 * Every entry expires on its own: revocation markers live exactly as long as
 * the tokens they refuse.
 */
/** What introspection and revocation learn of a refresh token, without spending it. */
export interface RefreshTokenState {
  readonly family: RefreshFamily;
  /** Unused, its family neither revoked nor expired: it would rotate. */
  readonly active: boolean;
}

export interface TokenStore {
  /** Stores a new family with its first token (by hash). */
  createFamily(family: RefreshFamily, tokenHash: string): Promise<void>;
  /**
   * Spends the presented token and stores its successor, or, for a token
   * spent before, revokes its family. Two concurrent calls with one token:
   * exactly one `rotated`.
   */
  rotateRefreshToken(request: RotateRequest): Promise<RotateResult>;
  /** Revokes one family and refuses its access tokens for `accessTokenTtlSeconds`; false when it is unknown. */
  revokeFamily(familyId: string, accessTokenTtlSeconds: number): Promise<boolean>;
  /**
   * Revokes every family of a user and refuses the user's access tokens
   * issued before `notBeforeSeconds` (epoch seconds). Returns how many live
   * families it revoked.
   */
  revokeUser(userId: string, notBeforeSeconds: number, accessTokenTtlSeconds: number): Promise<number>;
  /** Refuses one access token until it would have expired (`expiresAt`, epoch seconds). */
  revokeAccessToken(jti: string, expiresAt: number): Promise<void>;
  isAccessTokenRevoked(query: AccessTokenRevocationQuery): Promise<boolean>;
  /**
   * The family of a refresh token, read-only (RFC 7662 introspection, RFC 7009
   * revocation): undefined when the hash is unknown or belongs to another family.
   */
  inspectRefreshToken(familyId: string, tokenHash: string): Promise<RefreshTokenState | undefined>;
}
