/**
 * The Lua scripts of the Redis token store. Each runs atomically on the
 * server, so a check and the write it decides (spend a token, revoke a
 * family) can never interleave with another request's.
 *
 * Hash fields are short words rather than one JSON blob so a script can
 * read and flip single fields without parsing.
 */

/** KEYS: family, first token, user's family set. ARGV: familyId, userId, clientId, scopes, expiresAtMs, ttlMs. */
export const CREATE_FAMILY = `
redis.call('HSET', KEYS[1], 'userId', ARGV[2], 'clientId', ARGV[3], 'scopes', ARGV[4], 'expiresAtMs', ARGV[5], 'revoked', '0')
redis.call('PEXPIRE', KEYS[1], ARGV[6])
redis.call('HSET', KEYS[2], 'family', ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[6])
redis.call('SADD', KEYS[3], ARGV[1])
-- The set lives as long as the user's longest-lived family.
if redis.call('PTTL', KEYS[3]) < tonumber(ARGV[6]) then redis.call('PEXPIRE', KEYS[3], ARGV[6]) end
return 1
`;

/**
 * KEYS: presented token, family, next token, family's access-token marker.
 * ARGV: familyId, nowMs, clientId ('' for any), requestId, ip, accessTokenTtlMs.
 * Returns {outcome, userId, clientId, scopes, expiresAtMs[, usedAt, usedRequestId, usedIp]}.
 */
export const ROTATE_REFRESH_TOKEN = `
local token = redis.call('HMGET', KEYS[1], 'family', 'usedAt', 'usedRequestId', 'usedIp')
if not token[1] or token[1] ~= ARGV[1] then return {'unknown'} end
local family = redis.call('HMGET', KEYS[2], 'userId', 'clientId', 'scopes', 'expiresAtMs', 'revoked')
if not family[1] then return {'unknown'} end
local now = tonumber(ARGV[2])
local expiresAt = tonumber(family[4])
if expiresAt <= now then return {'expired'} end
-- Another client's token is refused without being spent, so it cannot burn the family.
if ARGV[3] ~= '' and ARGV[3] ~= family[2] then return {'unknown'} end
if family[5] == '1' then return {'revoked', family[1], family[2], family[3], family[4]} end
if token[2] then
  redis.call('HSET', KEYS[2], 'revoked', '1')
  redis.call('SET', KEYS[4], '1', 'PX', ARGV[6])
  return {'reused', family[1], family[2], family[3], family[4], token[2], token[3], token[4]}
end
redis.call('HSET', KEYS[1], 'usedAt', ARGV[2], 'usedRequestId', ARGV[4], 'usedIp', ARGV[5])
redis.call('HSET', KEYS[3], 'family', ARGV[1])
redis.call('PEXPIRE', KEYS[3], expiresAt - now)
return {'rotated', family[1], family[2], family[3], family[4]}
`;

/** KEYS: family, family's access-token marker. ARGV: accessTokenTtlMs. */
export const REVOKE_FAMILY = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'revoked', '1')
redis.call('SET', KEYS[2], '1', 'PX', ARGV[1])
return 1
`;

/**
 * KEYS: user's family set, user's not-before marker.
 * ARGV: notBeforeSeconds, accessTokenTtlMs, family key prefix, marker key prefix.
 * Family keys are built inside the script from the set's members: fine on one
 * Redis node (Gatehouse's deployment), not on a cluster.
 */
export const REVOKE_USER = `
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
local revoked = 0
for _, familyId in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local familyKey = ARGV[3] .. familyId
  local state = redis.call('HGET', familyKey, 'revoked')
  if not state then
    redis.call('SREM', KEYS[1], familyId)
  elseif state ~= '1' then
    redis.call('HSET', familyKey, 'revoked', '1')
    redis.call('SET', ARGV[4] .. familyId, '1', 'PX', ARGV[2])
    revoked = revoked + 1
  end
end
return revoked
`;
