import type { Redis } from 'ioredis';
import type {
  AuthorizationCodeGrant,
  AuthorizationCodeStore,
  CodeRedemption,
  IssuedForCode,
} from '../authorization-code-store.js';

/**
 * Marks a code redeemed and returns its record in one step, so two
 * concurrent redemptions cannot both see it unredeemed.
 * KEYS[1] code hash key. Returns nil (unknown) or {redeemedBefore, grant, issued}.
 */
const REDEEM = `
local grant = redis.call('HGET', KEYS[1], 'grant')
if not grant then return nil end
local before = redis.call('HGET', KEYS[1], 'redeemed')
redis.call('HSET', KEYS[1], 'redeemed', '1')
return { before or '0', grant, redis.call('HGET', KEYS[1], 'issued') or '' }
`;

/** Records what a code issued, extending its life so a replay within the window revokes those tokens. */
const RECORD_ISSUED = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'issued', ARGV[1])
if redis.call('TTL', KEYS[1]) < tonumber(ARGV[2]) then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return 1
`;

export function createRedisAuthorizationCodeStore(redis: Redis, keyPrefix: string): AuthorizationCodeStore {
  const key = (codeHash: string) => `${keyPrefix}oauth-code:${codeHash}`;
  return {
    async save(codeHash, grant, ttlSeconds) {
      await redis.multi().hset(key(codeHash), 'grant', JSON.stringify(grant)).expire(key(codeHash), ttlSeconds).exec();
    },
    async redeem(codeHash): Promise<CodeRedemption> {
      const result = (await redis.eval(REDEEM, 1, key(codeHash))) as [string, string, string] | null;
      if (result === null) return { status: 'unknown' };
      const [redeemedBefore, grantJson, issuedJson] = result;
      const grant = JSON.parse(grantJson) as AuthorizationCodeGrant;
      if (redeemedBefore === '1') {
        return { status: 'reused', grant, issued: issuedJson === '' ? undefined : (JSON.parse(issuedJson) as IssuedForCode) };
      }
      return { status: 'valid', grant };
    },
    async recordIssued(codeHash, issued, rememberSeconds) {
      await redis.eval(RECORD_ISSUED, 1, key(codeHash), JSON.stringify(issued), String(rememberSeconds));
    },
  };
}
