import type { RedisClient } from './redis-client.js';
import type {
  AuthorizationCodeGrant,
  AuthorizationCodeStore,
  CodeRedemption,
  IssuedForCode,
} from '../authorization-code-store.js';
import { createRedisScript, runOnRedis } from './redis-script.js';

/**
 * Marks a code redeemed and returns its record in one step, so two
 * concurrent redemptions cannot both see it unredeemed. The first redemption
 * keeps the record long enough for a replay to be recognised.
 * KEYS[1] code key; ARGV[1] seconds to remember. Returns nil (unknown) or {redeemedBefore, grant}.
 */
const REDEEM = createRedisScript(`
local grant = redis.call('HGET', KEYS[1], 'grant')
if not grant then return nil end
local before = redis.call('HGET', KEYS[1], 'redeemed')
if not before then
  redis.call('HSET', KEYS[1], 'redeemed', '1')
  if redis.call('TTL', KEYS[1]) < tonumber(ARGV[1]) then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
end
return { before or '0', grant }
`);

/** Records what a code issued unless a replay came first. KEYS[1] code key; ARGV[1] issued JSON. Returns 1 recorded, 0 replayed or gone. */
const RECORD_ISSUED = createRedisScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HEXISTS', KEYS[1], 'replayed') == 1 then return 0 end
redis.call('HSET', KEYS[1], 'issued', ARGV[1])
return 1
`);

/** Marks a code replayed and returns what it issued ('' when not recorded yet). KEYS[1] code key. */
const MARK_REPLAYED = createRedisScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return '' end
redis.call('HSET', KEYS[1], 'replayed', '1')
return redis.call('HGET', KEYS[1], 'issued') or ''
`);

export function createRedisAuthorizationCodeStore(redis: RedisClient, keyPrefix: string): AuthorizationCodeStore {
  const key = (codeHash: string) => `${keyPrefix}oauth-code:${codeHash}`;
  return {
    async save(codeHash, grant, ttlSeconds) {
      await runOnRedis(() => redis.multi().hset(key(codeHash), 'grant', JSON.stringify(grant)).expire(key(codeHash), ttlSeconds).exec());
    },
    async redeem(codeHash, rememberSeconds): Promise<CodeRedemption> {
      const result = (await REDEEM.run(redis, [key(codeHash)], [rememberSeconds])) as [string, string] | null;
      if (result === null) return { status: 'unknown' };
      const [redeemedBefore, grantJson] = result;
      const grant = JSON.parse(grantJson) as AuthorizationCodeGrant;
      return { status: redeemedBefore === '1' ? 'reused' : 'valid', grant };
    },
    async recordIssued(codeHash, issued) {
      const recorded = await RECORD_ISSUED.run(redis, [key(codeHash)], [JSON.stringify(issued)]);
      return recorded === 1 ? 'recorded' : 'replayed';
    },
    async markReplayed(codeHash) {
      const issuedJson = (await MARK_REPLAYED.run(redis, [key(codeHash)], [])) as string;
      return issuedJson === '' ? undefined : (JSON.parse(issuedJson) as IssuedForCode);
    },
  };
}
