import type { TokenStore } from '../stores/token-store.js';
import type { VerifiedAccessToken } from './access-tokens.js';

/**
 * Ending access tokens before their `exp`. JWTs cannot be recalled, so every
 * authenticated request asks the store, in one round trip, whether the
 * token's jti, its session (`sid`) or its user was revoked since it was issued.
 */
export interface TokenRevocation {
  isRevoked(token: VerifiedAccessToken): Promise<boolean>;
  /** auth.logout: the presented token until its `exp`, and its session's family with every access token of it. */
  endSession(token: Pick<VerifiedAccessToken, 'jti' | 'expiresAt' | 'sessionId'>): Promise<void>;
  /**
   * Every family and every live access token of a user (admin.sessions.revokeAll,
   * a role change). Returns how many families were live.
   */
  revokeUser(userId: string): Promise<number>;
}

export interface TokenRevocationOptions {
  readonly store: TokenStore;
  readonly accessTokenTtlSeconds: number;
  readonly now?: () => number;
}

export function createTokenRevocation(options: TokenRevocationOptions): TokenRevocation {
  const { store, accessTokenTtlSeconds } = options;
  const now = options.now ?? Date.now;
  return {
    isRevoked(token) {
      return store.isAccessTokenRevoked({
        jti: token.jti,
        sessionId: token.sessionId,
        // client_credentials tokens name a client, not a user: no user "not before" applies.
        userId: token.grant === 'user' ? token.subject : undefined,
        issuedAt: token.issuedAt,
      });
    },

    async endSession(token) {
      await Promise.all([
        store.revokeAccessToken(token.jti, token.expiresAt),
        token.sessionId === undefined ? undefined : store.revokeFamily(token.sessionId, accessTokenTtlSeconds),
      ]);
    },

    revokeUser(userId) {
      // Tokens with `iat` before this second are refused by "not before". Tokens issued earlier in this
      // same second carry the `sid` of a family revoked here, so they are refused by their session
      // marker; a login after this call, in the same second, starts a new family and works.
      return store.revokeUser(userId, Math.floor(now() / 1000), accessTokenTtlSeconds);
    },
  };
}
