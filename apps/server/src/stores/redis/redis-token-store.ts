import { isScope, type Scope } from '@gatehouse/contracts';
import type { Redis } from 'ioredis';
import { StoreUnavailableError } from '../store-unavailable-error.js';
import type { RefreshFamily, RotateResult, TokenStore } from '../token-store.js';
import { createRedisScript, runOnRedis } from './redis-script.js';
import { CREATE_FAMILY, REVOKE_FAMILY, REVOKE_USER, ROTATE_REFRESH_TOKEN } from './token-store-scripts.js';

export interface RedisTokenStoreOptions {
  readonly redis: Redis;
  /** GATEHOUSE_REDIS_PREFIX; the store adds `tokens:`. */
  readonly keyPrefix: string;
  /** Epoch milliseconds; expiry decisions use it, Redis TTLs are relative to it. */
  readonly now?: () => number;
}

const createFamilyScript = createRedisScript(CREATE_FAMILY);
const rotateScript = createRedisScript(ROTATE_REFRESH_TOKEN);
const revokeFamilyScript = createRedisScript(REVOKE_FAMILY);
const revokeUserScript = createRedisScript(REVOKE_USER);

/**
 * The token store shared by every Gatehouse process. Keys (all with a TTL):
 * `rt:<sha256>` a refresh token and whether it was spent, `family:<id>` a
 * family, `user-families:<userId>` a user's family ids, and the access-token
 * markers `revoked-jti:<jti>`, `revoked-sid:<familyId>`, `not-before:<userId>`.
 */
export function createRedisTokenStore(options: RedisTokenStoreOptions): TokenStore {
  const { redis } = options;
  const now = options.now ?? Date.now;
  const prefix = `${options.keyPrefix}tokens:`;
  const key = {
    token: (hash: string) => `${prefix}rt:${hash}`,
    family: (familyId: string) => `${prefix}family:${familyId}`,
    userFamilies: (userId: string) => `${prefix}user-families:${userId}`,
    revokedJti: (jti: string) => `${prefix}revoked-jti:${jti}`,
    revokedSession: (familyId: string) => `${prefix}revoked-sid:${familyId}`,
    notBefore: (userId: string) => `${prefix}not-before:${userId}`,
  };

  const run = <T>(operation: () => Promise<T>) => runOnRedis(operation, 'token');

  return {
    async createFamily(family, tokenHash) {
      const ttlMs = family.expiresAtMs - now();
      if (ttlMs <= 0) throw new RangeError('A refresh family must expire in the future');
      await run(() =>
        createFamilyScript.run(redis,
          [key.family(family.familyId), key.token(tokenHash), key.userFamilies(family.userId)],
          [family.familyId, family.userId, family.clientId, family.scopes.join(' '), family.expiresAtMs, ttlMs],
        ),
      );
    },

    async rotateRefreshToken(request) {
      const reply = await run(() =>
        rotateScript.run(redis,
          [
            key.token(request.presentedHash),
            key.family(request.familyId),
            key.token(request.nextHash),
            key.revokedSession(request.familyId),
          ],
          [
            request.familyId,
            now(),
            request.clientId ?? '',
            request.origin.requestId,
            request.origin.ip,
            request.accessTokenTtlSeconds * 1000,
          ],
        ),
      );
      return toRotateResult(request.familyId, reply);
    },

    async revokeFamily(familyId, accessTokenTtlSeconds) {
      const revoked = await run(() =>
        revokeFamilyScript.run(redis, [key.family(familyId), key.revokedSession(familyId)], [accessTokenTtlSeconds * 1000]),
      );
      return revoked === 1;
    },

    async revokeUser(userId, notBeforeSeconds, accessTokenTtlSeconds) {
      const revoked = await run(() =>
        revokeUserScript.run(redis,
          [key.userFamilies(userId), key.notBefore(userId)],
          [notBeforeSeconds, accessTokenTtlSeconds * 1000, key.family(''), key.revokedSession('')],
        ),
      );
      return Number(revoked);
    },

    async revokeAccessToken(jti, expiresAt) {
      const ttlMs = expiresAt * 1000 - now();
      if (ttlMs <= 0) return;
      await run(() => redis.set(key.revokedJti(jti), '1', 'PX', ttlMs));
    },

    async isAccessTokenRevoked(query) {
      // One MGET: the whole revocation check is one round trip per request.
      const keys = [key.revokedJti(query.jti)];
      if (query.sessionId !== undefined) keys.push(key.revokedSession(query.sessionId));
      if (query.userId !== undefined) keys.push(key.notBefore(query.userId));
      const values = await run(() => redis.mget(...keys));
      if (values[0] != null) return true;
      if (query.sessionId !== undefined && values[1] != null) return true;
      const notBefore = query.userId === undefined ? null : values[values.length - 1];
      return notBefore != null && query.issuedAt < Number(notBefore);
    },

    async inspectRefreshToken(familyId, tokenHash) {
      // One MULTI: the token and its family read at the same instant.
      const replies = await run(() =>
        redis.multi().hmget(key.token(tokenHash), 'family', 'usedAt').hmget(key.family(familyId), ...FAMILY_FIELDS).exec(),
      );
      const [tokenFields, familyFields] = (replies ?? []).map(([error, value]) => {
        if (error !== null) throw new StoreUnavailableError('token', { cause: error });
        return value as Array<string | null>;
      });
      const [ownerFamily, usedAt] = tokenFields ?? [];
      const [userId, clientId, scopes, expiresAtMs, revoked] = familyFields ?? [];
      if (ownerFamily !== familyId || userId == null || clientId == null || expiresAtMs == null) return undefined;
      if (Number(expiresAtMs) <= now()) return undefined;
      const family: RefreshFamily = { familyId, userId, clientId, scopes: parseScopes(scopes ?? ''), expiresAtMs: Number(expiresAtMs) };
      return { family, active: revoked !== '1' && usedAt == null };
    },
  };
}

const FAMILY_FIELDS = ['userId', 'clientId', 'scopes', 'expiresAtMs', 'revoked'] as const;

function toRotateResult(familyId: string, reply: unknown): RotateResult {
  if (!Array.isArray(reply) || typeof reply[0] !== 'string') throw new StoreUnavailableError('token');
  const [outcome, userId, clientId, scopes, expiresAtMs, usedAt, usedRequestId, usedIp] = reply as string[];
  if (outcome === 'unknown' || outcome === 'expired') return { outcome };
  const family: RefreshFamily = {
    familyId,
    userId: userId ?? '',
    clientId: clientId ?? '',
    scopes: parseScopes(scopes ?? ''),
    expiresAtMs: Number(expiresAtMs),
  };
  if (outcome === 'rotated' || outcome === 'revoked') return { outcome, family };
  return {
    outcome: 'reused',
    family,
    firstUse: { atMs: Number(usedAt), requestId: usedRequestId ?? '', ip: usedIp ?? '' },
  };
}

function parseScopes(value: string): Scope[] {
  return value === '' ? [] : value.split(' ').filter(isScope);
}
