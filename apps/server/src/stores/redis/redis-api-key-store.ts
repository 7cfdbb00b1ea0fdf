import { isScope, type Scope } from '@gatehouse/contracts';
import type { Redis } from 'ioredis';
import { v4 as uuidv4 } from 'uuid';
import { API_KEY_RETENTION_MS, ParentApiKeyGoneError, type ApiKeyRecord, type ApiKeyStore, type NewApiKey } from '../api-key-store.js';
import { decodeSequenceCursor, encodeSequenceCursor, type Page, type PageRequest } from '../page.js';
import { StoreUnavailableError } from '../store-unavailable-error.js';
import { createRedisScript, runOnRedis } from './redis-script.js';

export interface RedisApiKeyStoreOptions {
  readonly redis: Redis;
  /** GATEHOUSE_REDIS_PREFIX: every key this store writes starts with it. */
  readonly keyPrefix: string;
  readonly now?: () => Date;
}

/*
 * Layout, all under the prefix:
 *   apikey:<id>            hash: the record (no key, only its SHA-256)
 *   apikey-hash:<sha256>   string: the id, the lookup index for authentication
 *   apikeys-of:<ownerId>   sorted set of the owner's unrevoked ids, scored by creation sequence
 *   apikey-sequence        counter giving every key a unique, ordered sequence
 *   apikey-children:<id>   set of the ids of keys minted through this key, revoked with it
 * A key that expires gets a TTL of its expiry plus API_KEY_RETENTION_MS; a
 * revoked key, API_KEY_RETENTION_MS from revocation. Live keys without expiry
 * are records like users and persist. Nothing is cached in the process, so a
 * revocation written by any process is seen by the next request everywhere.
 */

/*
 * KEYS: record, hash index, owner index, sequence, parent record, parent's children set (the last two
 * unused without a parent). ARGV: id, ownerId, name, prefix, hash, scopes, createdAt, expiresAt ('' for
 * none), retention ms, parentId ('' for none), now ms. Returns 'parent_gone' when the parent cannot mint.
 */
const CREATE = `
if redis.call('EXISTS', KEYS[2]) == 1 then return redis.error_reply('duplicate api key hash') end
local expiresAt = ARGV[8]
if ARGV[10] ~= '' then
  local parent = redis.call('HMGET', KEYS[5], 'id', 'revokedAt', 'expiresAt')
  if not parent[1] or parent[2] then return 'parent_gone' end
  if parent[3] and parent[3] ~= '' then
    if tonumber(parent[3]) <= tonumber(ARGV[11]) then return 'parent_gone' end
    if expiresAt == '' or tonumber(parent[3]) < tonumber(expiresAt) then expiresAt = parent[3] end
  end
  redis.call('SADD', KEYS[6], ARGV[1])
  local parentTtl = redis.call('PTTL', KEYS[5])
  if parentTtl > 0 then redis.call('PEXPIRE', KEYS[6], parentTtl) end
end
local sequence = redis.call('INCR', KEYS[4])
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'ownerId', ARGV[2], 'name', ARGV[3], 'prefix', ARGV[4], 'hash', ARGV[5],
  'scopes', ARGV[6], 'createdAt', ARGV[7], 'expiresAt', expiresAt, 'sequence', sequence, 'parentId', ARGV[10])
redis.call('SET', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], sequence, ARGV[1])
if expiresAt ~= '' then
  redis.call('PEXPIREAT', KEYS[1], tonumber(expiresAt) + tonumber(ARGV[9]))
  redis.call('PEXPIREAT', KEYS[2], tonumber(expiresAt) + tonumber(ARGV[9]))
end
return redis.call('HGETALL', KEYS[1])`;

const FIND_BY_HASH = `
local id = redis.call('GET', KEYS[1])
if not id then return {} end
return redis.call('HGETALL', ARGV[1] .. id)`;

/**
 * Revokes a key and every key minted through it, breadth first over the
 * children sets (no cycles: a child is always created after its parent).
 * Shared by REVOKE and REVOKE_ALL so both cascade the same way.
 */
const REVOKE_TREE = `
local function revokeTree(prefix, rootId, at, retention)
  local queue = { rootId }
  local revoked = 0
  local index = 1
  while queue[index] do
    local id = queue[index]
    index = index + 1
    local record = prefix .. 'apikey:' .. id
    local fields = redis.call('HMGET', record, 'id', 'revokedAt', 'hash', 'ownerId')
    if fields[1] then
      if not fields[2] then
        redis.call('HSET', record, 'revokedAt', at)
        redis.call('PEXPIRE', record, retention)
        redis.call('PEXPIRE', prefix .. 'apikey-hash:' .. fields[3], retention)
        redis.call('ZREM', prefix .. 'apikeys-of:' .. fields[4], id)
        revoked = revoked + 1
      end
      local children = prefix .. 'apikey-children:' .. id
      for _, child in ipairs(redis.call('SMEMBERS', children)) do queue[#queue + 1] = child end
      if redis.call('EXISTS', children) == 1 then redis.call('PEXPIRE', children, retention) end
    end
  end
  return revoked
end
`;

/** KEYS: record. ARGV: ownerId, at, retention, prefix, id. */
const REVOKE = `${REVOKE_TREE}
if redis.call('HGET', KEYS[1], 'ownerId') ~= ARGV[1] then return {} end
revokeTree(ARGV[4], ARGV[5], ARGV[2], ARGV[3])
return redis.call('HGETALL', KEYS[1])`;

/** KEYS: owner index. ARGV: at, retention, prefix. */
const REVOKE_ALL = `${REVOKE_TREE}
local revoked = 0
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do revoked = revoked + revokeTree(ARGV[3], id, ARGV[1], ARGV[2]) end
return revoked`;

const TOUCH = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local last = redis.call('HGET', KEYS[1], 'lastUsedAt')
if last and tonumber(ARGV[1]) - tonumber(last) < tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'lastUsedAt', ARGV[1])
return 1`;

const createScript = createRedisScript(CREATE);
const findByHashScript = createRedisScript(FIND_BY_HASH);
const revokeScript = createRedisScript(REVOKE);
const revokeAllScript = createRedisScript(REVOKE_ALL);
const touchScript = createRedisScript(TOUCH);

export function createRedisApiKeyStore(options: RedisApiKeyStoreOptions): ApiKeyStore {
  const { redis, keyPrefix } = options;
  const now = options.now ?? (() => new Date());
  const recordKey = (id: string) => `${keyPrefix}apikey:${id}`;
  const hashKey = (hash: string) => `${keyPrefix}apikey-hash:${hash}`;
  const ownerKey = (ownerId: string) => `${keyPrefix}apikeys-of:${ownerId}`;

  /** Redis failures become StoreUnavailableError: callers answer 503, never "invalid". */
  const run = <T>(command: () => Promise<T>) => runOnRedis(command, 'API key');

  return {
    async create(key: NewApiKey) {
      const id = uuidv4();
      const createdAt = now().getTime();
      const parentId = key.parentId ?? '';
      const reply = await run(() =>
        createScript.run(
          redis,
          [recordKey(id), hashKey(key.hash), ownerKey(key.ownerId), `${keyPrefix}apikey-sequence`, recordKey(parentId), `${keyPrefix}apikey-children:${parentId}`],
          [
            id,
            key.ownerId,
            key.name,
            key.prefix,
            key.hash,
            key.scopes.join(' '),
            String(createdAt),
            key.expiresAt === undefined ? '' : String(key.expiresAt.getTime()),
            String(API_KEY_RETENTION_MS),
            parentId,
            String(now().getTime()),
          ],
        ),
      );
      if (reply === 'parent_gone') throw new ParentApiKeyGoneError();
      return toRecord(reply) ?? fail('created key not found');
    },

    async findByHash(hash) {
      return toRecord(await run(() => findByHashScript.run(redis, [hashKey(hash)], [`${keyPrefix}apikey:`])));
    },

    async listByOwner(ownerId: string, page: PageRequest): Promise<Page<ApiKeyRecord>> {
      const before = page.cursor === undefined ? '+inf' : `(${decodeSequenceCursor(page.cursor)}`;
      const entries = await run(() =>
        redis.zrevrangebyscore(ownerKey(ownerId), before, '-inf', 'WITHSCORES', 'LIMIT', 0, page.limit + 1),
      );
      const ids: Array<{ id: string; sequence: string }> = [];
      for (let index = 0; index + 1 < entries.length; index += 2) {
        ids.push({ id: entries[index] as string, sequence: entries[index + 1] as string });
      }
      const shown = ids.slice(0, page.limit);
      const records = await run(() => Promise.all(shown.map(({ id }) => redis.hgetall(recordKey(id)))));
      const items = records.flatMap((fields) => toRecord(fields) ?? []);
      // Expired keys past retention leave their id behind in the index: drop it now.
      const gone = shown.filter((_entry, index) => toRecord(records[index]) === undefined).map(({ id }) => id);
      if (gone.length > 0) await run(() => redis.zrem(ownerKey(ownerId), ...gone));
      const last = shown.at(-1);
      return { items, nextCursor: ids.length > page.limit && last !== undefined ? encodeSequenceCursor(Number(last.sequence)) : null };
    },

    async revoke(ownerId, id, at) {
      const reply = await run(() =>
        revokeScript.run(redis, [recordKey(id)], [ownerId, String(at.getTime()), String(API_KEY_RETENTION_MS), keyPrefix, id]),
      );
      return toRecord(reply);
    },

    async revokeAllOfOwner(ownerId, at) {
      const revoked = await run(() => revokeAllScript.run(redis, [ownerKey(ownerId)], [String(at.getTime()), String(API_KEY_RETENTION_MS), keyPrefix]));
      return Number(revoked);
    },

    async touchLastUsed(id, at, minIntervalMs) {
      const wrote = await run(() => touchScript.run(redis, [recordKey(id)], [String(at.getTime()), String(minIntervalMs)]));
      return wrote === 1;
    },
  };
}

function fail(message: string): never {
  throw new StoreUnavailableError('API key', { cause: new Error(message) });
}

/** A record from HGETALL's reply (an object from ioredis, a flat array from a Lua script). */
function toRecord(reply: unknown): ApiKeyRecord | undefined {
  const fields = Array.isArray(reply) ? pairs(reply as unknown[]) : (reply as Record<string, string> | undefined);
  if (fields === undefined || fields['id'] === undefined) return undefined;
  const date = (value: string | undefined) => (value === undefined || value === '' ? undefined : new Date(Number(value)));
  const scopes = (fields['scopes'] ?? '').split(' ').filter((scope): scope is Scope => isScope(scope));
  return Object.freeze({
    id: fields['id'],
    ownerId: fields['ownerId'] ?? '',
    name: fields['name'] ?? '',
    prefix: fields['prefix'] ?? '',
    hash: fields['hash'] ?? '',
    scopes: Object.freeze(scopes),
    createdAt: date(fields['createdAt']) ?? new Date(0),
    expiresAt: date(fields['expiresAt']),
    lastUsedAt: date(fields['lastUsedAt']),
    revokedAt: date(fields['revokedAt']),
    parentId: fields['parentId'] === undefined || fields['parentId'] === '' ? undefined : fields['parentId'],
  });
}

function pairs(flat: unknown[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let index = 0; index + 1 < flat.length; index += 2) fields[String(flat[index])] = String(flat[index + 1]);
  return fields;
}
