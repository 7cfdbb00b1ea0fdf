/**
 * The Lua scripts of the Redis API key store. Every key of one owner carries
 * the owner's hash tag (`{o:<ownerId>}`), and every key a script touches
 * comes in KEYS, so each script runs on one Redis Cluster node. Keys minted
 * through a key belong to the same owner (a key acts as its owner), so a
 * whole lineage shares that slot and its cascade is one atomic script.
 */

/*
 * KEYS: record, owner index, owner sequence, parent record, parent's children set (the last two unused
 * without a parent). ARGV: id, ownerId, name, prefix, hash, scopes, createdAt, expiresAt ('' for none),
 * retention ms, parentId ('' for none), now ms. Returns 'parent_gone' when the parent cannot mint.
 */
export const CREATE_API_KEY = `
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('duplicate api key id') end
local expiresAt = ARGV[8]
if ARGV[10] ~= '' then
  local parent = redis.call('HMGET', KEYS[4], 'id', 'revokedAt', 'expiresAt')
  if not parent[1] or parent[2] then return 'parent_gone' end
  if parent[3] and parent[3] ~= '' then
    if tonumber(parent[3]) <= tonumber(ARGV[11]) then return 'parent_gone' end
    if expiresAt == '' or tonumber(parent[3]) < tonumber(expiresAt) then expiresAt = parent[3] end
  end
  redis.call('SADD', KEYS[5], ARGV[1])
  -- The children set ends when the parent's record does: the same absolute time the parent was given at its
  -- creation (its expiry plus retention; a revoked parent mints nothing). Copying PTTL into PEXPIRE instead
  -- let the set outlive the parent by a millisecond when Redis's clock ticked between the two (Redis 7.0
  -- does not freeze time inside a script for EXPIRE), seen on the cluster suite.
  if parent[3] and parent[3] ~= '' then redis.call('PEXPIREAT', KEYS[5], tonumber(parent[3]) + tonumber(ARGV[9])) end
end
local sequence = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'ownerId', ARGV[2], 'name', ARGV[3], 'prefix', ARGV[4], 'hash', ARGV[5],
  'scopes', ARGV[6], 'createdAt', ARGV[7], 'expiresAt', expiresAt, 'sequence', sequence, 'parentId', ARGV[10])
redis.call('ZADD', KEYS[2], sequence, ARGV[1])
if expiresAt ~= '' then redis.call('PEXPIREAT', KEYS[1], tonumber(expiresAt) + tonumber(ARGV[9])) end
return redis.call('HGETALL', KEYS[1])`;

/**
 * Revokes a whole lineage in one step. The caller read the tree (each key's
 * children set) first; the script checks no child was added since (a key
 * minted meanwhile would escape) and answers 'retry' if one was.
 * KEYS: owner index, then per key its record and its children set.
 * ARGV: at, retention ms, then the ids in KEYS order.
 * Returns {'retry'} or {'ok', revokedCount, hash of each newly revoked key...}.
 */
export const REVOKE_API_KEY_TREE = `
local at, retention = ARGV[1], tonumber(ARGV[2])
local known = {}
for index = 3, #ARGV do known[ARGV[index]] = true end
local count = #ARGV - 2
for index = 1, count do
  for _, child in ipairs(redis.call('SMEMBERS', KEYS[1 + index * 2])) do
    if not known[child] then return {'retry'} end
  end
end
local reply = {'ok', 0}
for index = 1, count do
  local record, children, id = KEYS[index * 2], KEYS[1 + index * 2], ARGV[2 + index]
  local fields = redis.call('HMGET', record, 'id', 'revokedAt', 'hash')
  if fields[1] and not fields[2] then
    redis.call('HSET', record, 'revokedAt', at)
    redis.call('PEXPIRE', record, retention)
    redis.call('ZREM', KEYS[1], id)
    reply[2] = reply[2] + 1
    reply[#reply + 1] = fields[3]
  end
  if redis.call('EXISTS', children) == 1 then redis.call('PEXPIRE', children, retention) end
end
return reply`;

/** KEYS: record. ARGV: at ms, min interval ms. Returns 1 when it wrote. */
export const TOUCH_API_KEY = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local last = redis.call('HGET', KEYS[1], 'lastUsedAt')
if last and tonumber(ARGV[1]) - tonumber(last) < tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'lastUsedAt', ARGV[1])
return 1`;
