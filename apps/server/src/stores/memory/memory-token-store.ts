import { StoreFullError } from '../user-store.js';
import type { RefreshFamily, RotationOrigin, TokenStore } from '../token-store.js';

export interface MemoryTokenStoreOptions {
  /** Refuses new families past this many live ones (development store: bounded). */
  readonly maxFamilies?: number;
  /** Epoch milliseconds; injectable so tests can expire families without waiting. */
  readonly now?: () => number;
}

interface StoredFamily extends RefreshFamily {
  revoked: boolean;
}

interface StoredToken {
  readonly familyId: string;
  used: (RotationOrigin & { readonly atMs: number }) | undefined;
  /** The successor sealed at rotation, kept while the refresh grace window lasts. */
  successor?: { readonly sealed: string; readonly untilMs: number };
}

/**
 * The token store of one process. Nothing here needs a timer: expired
 * entries are swept when the store grows, so it never holds the process
 * open. JavaScript runs each method to its first await in one go, and no
 * method awaits, so each is atomic like its Redis script.
 */
export function createMemoryTokenStore(options: MemoryTokenStoreOptions = {}): TokenStore {
  const maxFamilies = options.maxFamilies ?? 100_000;
  const now = options.now ?? Date.now;
  const families = new Map<string, StoredFamily>();
  const tokens = new Map<string, StoredToken>();
  const familiesOfUser = new Map<string, Set<string>>();
  /** Revocation markers: key → epoch ms until which it refuses. */
  const revokedJti = new Map<string, number>();
  const revokedSession = new Map<string, number>();
  const notBefore = new Map<string, { readonly seconds: number; readonly untilMs: number }>();

  function liveFamily(familyId: string): StoredFamily | undefined {
    const family = families.get(familyId);
    return family !== undefined && family.expiresAtMs > now() ? family : undefined;
  }

  function sweep(): void {
    const at = now();
    for (const [id, family] of families) {
      if (family.expiresAtMs <= at) {
        families.delete(id);
        familiesOfUser.get(family.userId)?.delete(id);
      }
    }
    for (const [hash, token] of tokens) if (!families.has(token.familyId)) tokens.delete(hash);
    for (const [userId, ids] of familiesOfUser) if (ids.size === 0) familiesOfUser.delete(userId);
    for (const markers of [revokedJti, revokedSession]) {
      for (const [key, untilMs] of markers) if (untilMs <= at) markers.delete(key);
    }
    for (const [userId, marker] of notBefore) if (marker.untilMs <= at) notBefore.delete(userId);
  }

  function refuseSession(familyId: string, accessTokenTtlSeconds: number): void {
    revokedSession.set(familyId, now() + accessTokenTtlSeconds * 1000);
  }

  const publicFamily = ({ revoked: _revoked, ...family }: StoredFamily): RefreshFamily => family;

  return {
    async createFamily(family, tokenHash) {
      if (families.size >= maxFamilies) sweep();
      if (families.size >= maxFamilies) throw new StoreFullError('token');
      families.set(family.familyId, { ...family, scopes: [...family.scopes], revoked: false });
      tokens.set(tokenHash, { familyId: family.familyId, used: undefined });
      let ids = familiesOfUser.get(family.userId);
      if (ids === undefined) familiesOfUser.set(family.userId, (ids = new Set()));
      ids.add(family.familyId);
    },

    async rotateRefreshToken(request) {
      const token = tokens.get(request.presentedHash);
      if (token === undefined || token.familyId !== request.familyId) return { outcome: 'unknown' };
      const family = families.get(token.familyId);
      if (family === undefined) return { outcome: 'unknown' };
      if (family.expiresAtMs <= now()) return { outcome: 'expired' };
      if (request.clientId !== undefined && request.clientId !== family.clientId) return { outcome: 'unknown' };
      if (family.revoked) return { outcome: 'revoked', family: publicFamily(family) };
      if (token.used !== undefined) {
        if (token.successor !== undefined && token.successor.untilMs > now()) {
          return { outcome: 'replayed', family: publicFamily(family), sealedSuccessor: token.successor.sealed };
        }
        family.revoked = true;
        refuseSession(family.familyId, request.accessTokenTtlSeconds);
        return { outcome: 'reused', family: publicFamily(family), firstUse: token.used };
      }
      token.used = { ...request.origin, atMs: now() };
      if (request.grace !== undefined && request.grace.windowMs > 0) {
        token.successor = { sealed: request.grace.sealedSuccessor, untilMs: now() + request.grace.windowMs };
      }
      tokens.set(request.nextHash, { familyId: family.familyId, used: undefined });
      return { outcome: 'rotated', family: publicFamily(family) };
    },

    async revokeFamily(familyId, accessTokenTtlSeconds) {
      const family = liveFamily(familyId);
      if (family === undefined) return false;
      family.revoked = true;
      refuseSession(familyId, accessTokenTtlSeconds);
      return true;
    },

    async revokeUser(userId, notBeforeSeconds, accessTokenTtlSeconds) {
      notBefore.set(userId, { seconds: notBeforeSeconds, untilMs: now() + accessTokenTtlSeconds * 1000 });
      let revoked = 0;
      for (const familyId of familiesOfUser.get(userId) ?? []) {
        const family = liveFamily(familyId);
        if (family === undefined || family.revoked) continue;
        family.revoked = true;
        refuseSession(familyId, accessTokenTtlSeconds);
        revoked += 1;
      }
      return revoked;
    },

    async revokeAccessToken(jti, expiresAt) {
      if (expiresAt * 1000 > now()) revokedJti.set(jti, expiresAt * 1000);
    },

    async isAccessTokenRevoked(query) {
      const at = now();
      const refused = (untilMs: number | undefined) => untilMs !== undefined && untilMs > at;
      if (refused(revokedJti.get(query.jti))) return true;
      if (query.sessionId !== undefined && refused(revokedSession.get(query.sessionId))) return true;
      const marker = query.userId === undefined ? undefined : notBefore.get(query.userId);
      return marker !== undefined && marker.untilMs > at && query.issuedAt < marker.seconds;
    },

    async inspectRefreshToken(familyId, tokenHash) {
      const token = tokens.get(tokenHash);
      const family = token?.familyId === familyId ? liveFamily(familyId) : undefined;
      if (token === undefined || family === undefined) return undefined;
      return { family: publicFamily(family), active: !family.revoked && token.used === undefined };
    },
  };
}
