import { isScope, type Scope } from '@gatehouse/contracts';
import { StoreUnavailableError } from '../../errors/store-unavailable-error.js';
import type { RefreshFamily, RotateResult, TokenStore } from '../token-store.js';
import { getMany, type RedisClient } from './redis-client.js';
import { createRedisScript, runOnRedis } from './redis-script.js';
import { signInFromClaims } from '../../tokens/sign-in-authentication.js';
import { ADD_USER_FAMILY, CREATE_FAMILY, MARK_USER_REVOKED, REVOKE_FAMILY, ROTATE_REFRESH_TOKEN } from './token-store-scripts.js';

export interface RedisTokenStoreOptions {
  readonly redis: RedisClient;
  /** GATEHOUSE_REDIS_PREFIX; the store adds `tokens:`. */
  readonly keyPrefix: string;
  /** Epoch milliseconds; expiry decisions use it, Redis TTLs are relative to it. */
  readonly now?: () => number;
}

const createFamilyScript = createRedisScript(CREATE_FAMILY);
const addUserFamilyScript = createRedisScript(ADD_USER_FAMILY);
const rotateScript = createRedisScript(ROTATE_REFRESH_TOKEN);
const revokeFamilyScript = createRedisScript(REVOKE_FAMILY);
const markUserRevokedScript = createRedisScript(MARK_USER_REVOKED);

/**
 * The token store shared by every Gatehouse process. Keys (all with a TTL),
 * each with the hash tag of what it belongs to so that a Redis Cluster keeps
 * a family, or a user, on one node:
 *   `{f:<familyId>}:family`          the family
 *   `{f:<familyId>}:rt:<sha256>`     one of its refresh tokens and whether it was spent
 *   `revoked-sid:{f:<familyId>}`     its access tokens are refused
 *   `{u:<userId>}:families`          the user's family ids
 *   `not-before:{u:<userId>}`        the user's access tokens issued before it are refused
 *   `{u:<userId>}:revoked-at`        when all the user's families were last revoked (ms)
 *   `revoked-jti:<jti>`              one access token is refused
 * The three revocation markers start with their kind, ahead of the tag (Redis hashes
 * the first `{…}` wherever it sits): the invalidation feed (redis-invalidation-feed.ts)
 * listens by key prefix, and must hear of markers and nothing else.
 */
export function redisRevocationMarkerPrefixes(keyPrefix: string): readonly string[] {
  return ['revoked-jti:', 'revoked-sid:', 'not-before:'].map((marker) => `${keyPrefix}tokens:${marker}`);
}

export function createRedisTokenStore(options: RedisTokenStoreOptions): TokenStore {
  const { redis } = options;
  const now = options.now ?? Date.now;
  const prefix = `${options.keyPrefix}tokens:`;
  const key = {
    token: (familyId: string, hash: string) => `${prefix}{f:${familyId}}:rt:${hash}`,
    family: (familyId: string) => `${prefix}{f:${familyId}}:family`,
    revokedSession: (familyId: string) => `${prefix}revoked-sid:{f:${familyId}}`,
    userFamilies: (userId: string) => `${prefix}{u:${userId}}:families`,
    notBefore: (userId: string) => `${prefix}not-before:{u:${userId}}`,
    revokedAt: (userId: string) => `${prefix}{u:${userId}}:revoked-at`,
    revokedJti: (jti: string) => `${prefix}revoked-jti:${jti}`,
  };

  const run = <T>(operation: () => Promise<T>) => runOnRedis(operation, 'token');

  async function revokeFamily(familyId: string, accessTokenTtlSeconds: number): Promise<0 | 1 | 2> {
    const reply = await run(() =>
      revokeFamilyScript.run(redis, [key.family(familyId), key.revokedSession(familyId)], [accessTokenTtlSeconds * 1000]),
    );
    return Number(reply) as 0 | 1 | 2;
  }

  return {
    async createFamily(family, tokenHash) {
      const createdAtMs = now();
      const ttlMs = family.expiresAtMs - createdAtMs;
      if (ttlMs <= 0) throw new RangeError('A refresh family must expire in the future');
      // The family first, then its entry in the user's set: a revoke-all in between finds no entry, so the
      // user's revoked-at marker returned here tells this call to revoke the family itself.
      await run(() =>
        createFamilyScript.run(redis,
          [key.family(family.familyId), key.token(family.familyId, tokenHash)],
          [family.userId, family.clientId, family.scopes.join(' '), family.expiresAtMs, ttlMs, family.authentication === undefined ? '' : JSON.stringify(family.authentication), family.jkt ?? ''],
        ),
      );
      const revokedAt = await run(() =>
        addUserFamilyScript.run(redis, [key.userFamilies(family.userId), key.revokedAt(family.userId)], [family.familyId, ttlMs]),
      );
      if (typeof revokedAt === 'string' && Number(revokedAt) >= createdAtMs) {
        // Nothing was issued from this family yet, so its marker may as well live as long as the family.
        await revokeFamily(family.familyId, Math.ceil(ttlMs / 1000));
      }
    },

    async rotateRefreshToken(request) {
      const { familyId } = request;
      const grace = request.grace;
      const reply = await run(() =>
        rotateScript.run(redis,
          [
            key.token(familyId, request.presentedHash),
            key.family(familyId),
            key.token(familyId, request.nextHash),
            key.revokedSession(familyId),
          ],
          [
            now(),
            request.clientId ?? '',
            request.origin.requestId,
            request.origin.ip,
            request.accessTokenTtlSeconds * 1000,
            grace === undefined ? 0 : grace.windowMs,
            grace === undefined ? '' : grace.sealedSuccessor,
          ],
        ),
      );
      return toRotateResult(familyId, reply);
    },

    async revokeFamily(familyId, accessTokenTtlSeconds) {
      return (await revokeFamily(familyId, accessTokenTtlSeconds)) !== 0;
    },

    async revokeUser(userId, notBeforeSeconds, accessTokenTtlSeconds) {
      const familyIds = await run(() =>
        markUserRevokedScript.run(redis,
          [key.userFamilies(userId), key.notBefore(userId), key.revokedAt(userId)],
          [notBeforeSeconds, accessTokenTtlSeconds * 1000, now()],
        ),
      );
      const ids = Array.isArray(familyIds) ? familyIds.map(String) : [];
      // Each family in its own slot; they are independent, so in parallel.
      const outcomes = await Promise.all(ids.map((familyId) => revokeFamily(familyId, accessTokenTtlSeconds)));
      const gone = ids.filter((_id, index) => outcomes[index] === 0);
      if (gone.length > 0) await run(() => redis.srem(key.userFamilies(userId), ...gone));
      return outcomes.filter((outcome) => outcome === 1).length;
    },

    async revokeAccessToken(jti, expiresAt) {
      const ttlMs = expiresAt * 1000 - now();
      if (ttlMs <= 0) return;
      await run(() => redis.set(key.revokedJti(jti), '1', 'PX', ttlMs));
    },

    async isAccessTokenRevoked(query) {
      // One MGET on one Redis (one round trip per request); on a cluster the keys live in different slots and go
      // out together, pipelined per node.
      const keys = [key.revokedJti(query.jti)];
      if (query.sessionId !== undefined) keys.push(key.revokedSession(query.sessionId));
      if (query.userId !== undefined) keys.push(key.notBefore(query.userId));
      const values = await run(() => getMany(redis, keys));
      if (values[0] != null) return true;
      if (query.sessionId !== undefined && values[1] != null) return true;
      const notBefore = query.userId === undefined ? null : values[values.length - 1];
      return notBefore != null && query.issuedAt < Number(notBefore);
    },

    async inspectRefreshToken(familyId, tokenHash) {
      // One MULTI (one slot: the family's tag): the token and its family read at the same instant.
      const replies = await run(() =>
        redis.multi().hmget(key.token(familyId, tokenHash), 'family', 'usedAt').hmget(key.family(familyId), ...FAMILY_FIELDS).exec(),
      );
      const [tokenFields, familyFields] = (replies ?? []).map(([error, value]) => {
        if (error !== null) throw new StoreUnavailableError('token', { cause: error });
        return value as Array<string | null>;
      });
      const [tokenExists, usedAt] = tokenFields ?? [];
      const [userId, clientId, scopes, expiresAtMs, revoked, authn, jkt] = familyFields ?? [];
      if (tokenExists == null || userId == null || clientId == null || expiresAtMs == null) return undefined;
      if (Number(expiresAtMs) <= now()) return undefined;
      const family: RefreshFamily = withAuthentication(
        { familyId, userId, clientId, scopes: parseScopes(scopes ?? ''), expiresAtMs: Number(expiresAtMs), ...(jkt == null ? {} : { jkt }) },
        authn,
      );
      return { family, active: revoked !== '1' && usedAt == null };
    },
  };
}

const FAMILY_FIELDS = ['userId', 'clientId', 'scopes', 'expiresAtMs', 'revoked', 'authn', 'jkt'] as const;

/** The family's recorded sign-in (JSON in the `authn` field), when there is one this server wrote. */
function withAuthentication(family: RefreshFamily, authn: string | null | undefined): RefreshFamily {
  if (authn == null || authn === '') return family;
  const parsed = signInFromClaims(readAuthn(authn));
  // A field this store did not write grants nothing: the family's tokens then carry no sign-in, and step-up refuses them.
  return parsed === undefined || parsed === 'invalid' ? family : { ...family, authentication: parsed };
}

function readAuthn(json: string): { acr?: unknown; amr?: unknown; auth_time?: unknown } {
  try {
    const value = JSON.parse(json) as { acr?: unknown; amr?: unknown; authTime?: unknown };
    return { acr: value.acr, amr: value.amr, auth_time: value.authTime };
  } catch {
    return {};
  }
}

function toRotateResult(familyId: string, reply: unknown): RotateResult {
  if (!Array.isArray(reply) || typeof reply[0] !== 'string') throw new StoreUnavailableError('token');
  const [outcome, userId, clientId, scopes, expiresAtMs, authn, usedAt, usedRequestId, usedIp] = reply as Array<string | null>;
  if (outcome === 'unknown' || outcome === 'expired') return { outcome };
  const family: RefreshFamily = withAuthentication(
    { familyId, userId: userId ?? '', clientId: clientId ?? '', scopes: parseScopes(scopes ?? ''), expiresAtMs: Number(expiresAtMs) },
    authn,
  );
  if (outcome === 'rotated' || outcome === 'revoked') return { outcome, family };
  // For a replay the field after authn is the sealed successor.
  if (outcome === 'replayed') return { outcome, family, sealedSuccessor: usedAt ?? '' };
  return {
    outcome: 'reused',
    family,
    firstUse: { atMs: Number(usedAt), requestId: usedRequestId ?? '', ip: usedIp ?? '' },
  };
}

function parseScopes(value: string): Scope[] {
  return value === '' ? [] : value.split(' ').filter(isScope);
}
