import type { TokenStore } from '../stores/token-store.js';
import type { VerifiedAccessToken } from './verified-access-token.js';
import type { RedisInvalidationFeed } from '../stores/redis/redis-invalidation-feed.js';

/**
 * Ending access tokens before their `exp`. JWTs cannot be recalled, so every
 * authenticated request checks whether the token's jti, its session (`sid`)
 * or its user was revoked since it was issued: in the store, one round
 * trip, or, with a live revocation feed (Redis), against the store's last
 * "not revoked" answer for that token, which the feed voids as soon as any
 * revocation marker is written anywhere.
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
  /** Verdicts held locally (0 without a feed), for the memory report. */
  readonly heldVerdicts: number;
  readonly maxHeldVerdicts: number;
}

export interface TokenRevocationOptions {
  readonly store: TokenStore;
  readonly accessTokenTtlSeconds: number;
  readonly now?: () => number;
  /**
   * Redis's announcements of marker writes (stores/redis/redis-invalidation-feed.ts). Without one
   * (the memory store, whose check is already local) every call asks the store.
   */
  readonly feed?: RedisInvalidationFeed | undefined;
  /** Bound on tokens whose "not revoked" answer is held; the least recently used go first. */
  readonly maxHeldVerdicts?: number;
}

export function createTokenRevocation(options: TokenRevocationOptions): TokenRevocation {
  const { store, accessTokenTtlSeconds } = options;
  const now = options.now ?? Date.now;
  const feed = options.feed;
  const maxHeldVerdicts = options.maxHeldVerdicts ?? 50_000;
  // jti -> the feed generation at which the store said "not revoked". Insertion order keeps the oldest first.
  const verdicts = new Map<string, number>();

  function askStore(token: VerifiedAccessToken): Promise<boolean> {
    return store.isAccessTokenRevoked({
      jti: token.jti,
      sessionId: token.sessionId,
      // client_credentials tokens name a client, not a user: no user "not before" applies.
      userId: token.grant === 'user' ? token.subject : undefined,
      issuedAt: token.issuedAt,
    });
  }

  return {
    async isRevoked(token) {
      if (feed === undefined) return askStore(token);
      // Read before asking: an announcement that arrives while the store answers voids this answer.
      const generation = feed.generation;
      const live = feed.live;
      if (live && verdicts.get(token.jti) === generation) return false;
      const revoked = await askStore(token);
      if (revoked || !live || !feed.live || feed.generation !== generation) {
        verdicts.delete(token.jti);
        return revoked;
      }
      verdicts.delete(token.jti);
      verdicts.set(token.jti, generation);
      if (verdicts.size > maxHeldVerdicts) {
        const oldest = verdicts.keys().next();
        if (oldest.done !== true) verdicts.delete(oldest.value);
      }
      return false;
    },

    get heldVerdicts() {
      return verdicts.size;
    },
    maxHeldVerdicts,

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
