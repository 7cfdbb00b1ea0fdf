/**
 * The Lua scripts of the Redis token store. Each runs atomically on the
 * server, so a check and the write it decides (spend a token, revoke a
 * family) can never interleave with another request's.
 *
 * Every key a script touches comes in KEYS and carries one hash tag: the
 * family's (`{f:<familyId>}`) or the user's (`{u:<userId>}`), so each script
 * runs on one Redis Cluster node, and families spread over every node.
 * Work that spans a user and its families (revoking them all) is a user
 * script followed by one family script per family, never one script
 * reaching into other slots.
 *
 * Hash fields are short words rather than one JSON blob so a script can
 * read and flip single fields without parsing.
 */

/** KEYS: family, first token (family's tag). ARGV: userId, clientId, scopes, expiresAtMs, ttlMs, authn (JSON of the sign-in, '' for none), jkt ('' when unbound). */
export const CREATE_FAMILY = `
redis.call('HSET', KEYS[1], 'userId', ARGV[1], 'clientId', ARGV[2], 'scopes', ARGV[3], 'expiresAtMs', ARGV[4], 'revoked', '0')
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'authn', ARGV[6]) end
if ARGV[7] ~= '' then redis.call('HSET', KEYS[1], 'jkt', ARGV[7]) end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('HSET', KEYS[2], 'family', 'live')
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return 1
`;

/**
 * KEYS: user's family set, user's revoked-at marker (user's tag). ARGV: familyId, ttlMs.
 * Returns when the user's families were last all revoked (epoch ms) or false:
 * a family created before that but added to the set after (a login racing
 * "revoke all sessions") is revoked by the caller, so none escapes.
 */
export const ADD_USER_FAMILY = `
redis.call('SADD', KEYS[1], ARGV[1])
-- The set lives as long as the user's longest-lived family.
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return redis.call('GET', KEYS[2])
`;

/**
 * KEYS: presented token, family, next token, family's access-token marker (family's tag).
 * ARGV: nowMs, clientId ('' for any), requestId, ip, accessTokenTtlMs, graceMs (0: off), sealed successor.
 * Returns {outcome, userId, clientId, scopes, expiresAtMs, authn[, usedAt, usedRequestId, usedIp | sealedSuccessor]}
 * (authn is false when the family has no sign-in recorded).
 */
export const ROTATE_REFRESH_TOKEN = `
local token = redis.call('HMGET', KEYS[1], 'family', 'usedAt', 'usedRequestId', 'usedIp', 'successor', 'graceUntil')
if not token[1] then return {'unknown'} end
local family = redis.call('HMGET', KEYS[2], 'userId', 'clientId', 'scopes', 'expiresAtMs', 'revoked', 'authn')
if not family[1] then return {'unknown'} end
local now = tonumber(ARGV[1])
local expiresAt = tonumber(family[4])
if expiresAt <= now then return {'expired'} end
-- Another client's token is refused without being spent, so it cannot burn the family.
if ARGV[2] ~= '' and ARGV[2] ~= family[2] then return {'unknown'} end
if family[5] == '1' then return {'revoked', family[1], family[2], family[3], family[4], family[6]} end
if token[2] then
  -- Refresh grace: the same token again within the window gets the one successor it already has.
  if token[5] and token[6] and tonumber(token[6]) > now then
    return {'replayed', family[1], family[2], family[3], family[4], family[6], token[5]}
  end
  redis.call('HSET', KEYS[2], 'revoked', '1')
  redis.call('SET', KEYS[4], '1', 'PX', ARGV[5])
  return {'reused', family[1], family[2], family[3], family[4], family[6], token[2], token[3], token[4]}
end
redis.call('HSET', KEYS[1], 'usedAt', ARGV[1], 'usedRequestId', ARGV[3], 'usedIp', ARGV[4])
if tonumber(ARGV[6]) > 0 then
  redis.call('HSET', KEYS[1], 'successor', ARGV[7], 'graceUntil', now + tonumber(ARGV[6]))
end
redis.call('HSET', KEYS[3], 'family', 'live')
redis.call('PEXPIRE', KEYS[3], expiresAt - now)
return {'rotated', family[1], family[2], family[3], family[4], family[6]}
`;

/**
 * KEYS: family, family's access-token marker (family's tag). ARGV: accessTokenTtlMs.
 * Returns 0 for an unknown family, 1 when this call revoked it, 2 when it was revoked already.
 */
export const REVOKE_FAMILY = `
local state = redis.call('HGET', KEYS[1], 'revoked')
if not state then return 0 end
redis.call('SET', KEYS[2], '1', 'PX', ARGV[1])
if state == '1' then return 2 end
redis.call('HSET', KEYS[1], 'revoked', '1')
return 1
`;

/**
 * KEYS: user's family set, user's not-before marker, user's revoked-at marker (user's tag).
 * ARGV: notBeforeSeconds, accessTokenTtlMs, nowMs. Sets both markers and
 * returns the user's family ids; the caller then revokes each family in its
 * own slot.
 */
export const MARK_USER_REVOKED = `
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
redis.call('SET', KEYS[3], ARGV[3], 'PX', ARGV[2])
return redis.call('SMEMBERS', KEYS[1])
`;

