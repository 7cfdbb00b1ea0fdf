import { randomUUID } from 'node:crypto';
import { isScope, type Scope } from '@gatehouse/contracts';
import type { RedisClient } from './redis-client.js';
import { API_KEY_RETENTION_MS, ParentApiKeyGoneError, type ApiKeyRecord, type ApiKeyStore, type NewApiKey } from '../api-key-store.js';
import { decodeSequenceCursor, encodeSequenceCursor, type Page, type PageRequest } from '../page.js';
import { StoreUnavailableError } from '../../errors/store-unavailable-error.js';
import { CREATE_API_KEY, REVOKE_API_KEY_TREE, TOUCH_API_KEY } from './api-key-store-scripts.js';
import { createRedisScript, runOnRedis } from './redis-script.js';
import { createFeedHeldReads, type FeedHeldReads } from './feed-held-reads.js';
import type { RedisInvalidationFeed } from './redis-invalidation-feed.js';

export interface RedisApiKeyStoreOptions {
  readonly redis: RedisClient;
  /** GATEHOUSE_REDIS_PREFIX: every key this store writes starts with it. */
  readonly keyPrefix: string;
  readonly now?: () => Date;
  /**
   * Lookup-index entries and records held in this process until Redis announces a write to them, with a
   * feed listening under `redisApiKeyPrefixes` (feed-held-reads.ts). Without it every lookup reads Redis.
   */
  readonly held?: HeldApiKeyReads | undefined;
}

/** Where a key's lookup index points: the owner (its hash tag) and the key's id. */
interface ApiKeyPointer {
  readonly ownerId: string;
  readonly id: string;
}

/** What a process holds of API keys under the invalidation feed: index entries and records, each bounded. */
export interface HeldApiKeyReads {
  readonly pointers: FeedHeldReads<ApiKeyPointer>;
  readonly records: FeedHeldReads<ApiKeyRecord>;
}

export function createHeldApiKeyReads(feed: RedisInvalidationFeed, maxEntries: number): HeldApiKeyReads {
  return { pointers: createFeedHeldReads({ feed, maxEntries }), records: createFeedHeldReads({ feed, maxEntries }) };
}

/**
 * The key prefixes a feed must watch for held API keys: the lookup index, and the owners' tags, under
 * which the records live. The owners' tag is shared with their order lists, so order writes are announced
 * too; a process drops nothing for them but the announcement.
 */
export function redisApiKeyPrefixes(keyPrefix: string): readonly string[] {
  return [`${keyPrefix}apikey-hash:`, `${keyPrefix}{o:`];
}

/*
 * Layout, all under the prefix; an owner's keys carry the owner's hash tag, so on a Redis Cluster one
 * owner's keys (a lineage included) live on one node and owners spread over all of them:
 *   {o:<ownerId>}:apikey:<id>      hash: the record (no key, only its SHA-256)
 *   {o:<ownerId>}:apikeys          sorted set of the owner's unrevoked ids, scored by creation sequence
 *   {o:<ownerId>}:sequence         counter giving each of the owner's keys a unique, ordered sequence
 *   {o:<ownerId>}:children:<id>    set of the ids of keys minted through this key, revoked with it
 *   apikey-hash:<sha256>           JSON [ownerId, id], the lookup index for authentication (its own slot)
 * A key that expires gets a TTL of its expiry plus API_KEY_RETENTION_MS; a
 * revoked key, API_KEY_RETENTION_MS from revocation. Live keys without expiry
 * are records like users and persist. With `held`, a process keeps what it read
 * only until Redis announces a write to the key (a revocation, a touch, a hand
 * edit, an expiry, by any process), and nothing while that announcement cannot
 * reach it; without it nothing is kept. Either way a revocation written by any
 * process is seen by the next request everywhere. id -> owner (which never
 * changes) is remembered for touchLastUsed.
 *
 * The hash index lives in another slot than the record, so it is written
 * before the record and given its TTL after a revocation: a process dying in
 * between leaves at worst an index entry pointing at no record, which
 * findByHash treats as unknown and deletes.
 */

const createScript = createRedisScript(CREATE_API_KEY);
const revokeTreeScript = createRedisScript(REVOKE_API_KEY_TREE);
const touchScript = createRedisScript(TOUCH_API_KEY);

/** A cascade racing a mint retries this often before giving up (each retry sees the new child). */
const MAX_TREE_ATTEMPTS = 8;
/** id -> owner for touchLastUsed, which gets only the id; bounded, oldest dropped first. */
const MAX_KNOWN_OWNERS = 10_000;

export function createRedisApiKeyStore(options: RedisApiKeyStoreOptions): ApiKeyStore {
  const { redis, keyPrefix, held } = options;
  const now = options.now ?? (() => new Date());
  const ownerTag = (ownerId: string) => `${keyPrefix}{o:${ownerId}}:`;
  const recordKey = (ownerId: string, id: string) => `${ownerTag(ownerId)}apikey:${id}`;
  const ownerKey = (ownerId: string) => `${ownerTag(ownerId)}apikeys`;
  const sequenceKey = (ownerId: string) => `${ownerTag(ownerId)}sequence`;
  const childrenKey = (ownerId: string, id: string) => `${ownerTag(ownerId)}children:${id}`;
  const hashKey = (hash: string) => `${keyPrefix}apikey-hash:${hash}`;
  const ownerOf = new Map<string, string>();
  const remember = (record: ApiKeyRecord | undefined) => {
    if (record === undefined) return record;
    ownerOf.delete(record.id);
    ownerOf.set(record.id, record.ownerId);
    if (ownerOf.size > MAX_KNOWN_OWNERS) ownerOf.delete(ownerOf.keys().next().value ?? '');
    return record;
  };

  /** Redis failures become StoreUnavailableError: callers answer 503, never "invalid". */
  const run = <T>(command: () => Promise<T>) => runOnRedis(command, 'API key');

  const readPointer = (hash: string): Promise<ApiKeyPointer | undefined> => {
    const key = hashKey(hash);
    const load = async () => parsePointer(await run(() => redis.get(key)));
    return held === undefined ? load() : held.pointers.read(key, load);
  };
  const readRecord = ({ ownerId, id }: ApiKeyPointer): Promise<ApiKeyRecord | undefined> => {
    const key = recordKey(ownerId, id);
    const load = async () => toRecord(await run(() => redis.hgetall(key)));
    return held === undefined ? load() : held.records.read(key, load);
  };
  /**
   * Runs a write of these records or index entries; whatever this process held of them goes once it is done,
   * even when it failed half-way, as the user store's writes do: a read that raced the write is then dropped
   * too, so this process sees its own write on its next lookup.
   */
  async function writing<T>(records: ReadonlyArray<ApiKeyPointer>, hashes: ReadonlyArray<string>, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } finally {
      for (const pointer of records) held?.records.forget(recordKey(pointer.ownerId, pointer.id));
      for (const hash of hashes) held?.pointers.forget(hashKey(hash));
    }
  }

  /** The ids of the lineages under `roots`, each key listed once, parents before children. */
  async function readTree(ownerId: string, roots: readonly string[]): Promise<string[]> {
    const ids = [...new Set(roots)];
    for (let index = 0; index < ids.length; index += 1) {
      const children = await run(() => redis.smembers(childrenKey(ownerId, ids[index] ?? '')));
      for (const child of children) if (!ids.includes(child)) ids.push(child);
    }
    return ids;
  }

  /** Revokes the lineages under the roots (the owner's own keys only) in one script; how many were live. */
  async function revokeTrees(ownerId: string, roots: () => Promise<readonly string[]>, at: Date): Promise<number> {
    for (let attempt = 0; attempt < MAX_TREE_ATTEMPTS; attempt += 1) {
      const ids = await readTree(ownerId, await roots());
      if (ids.length === 0) return 0;
      const keys = [ownerKey(ownerId), ...ids.flatMap((id) => [recordKey(ownerId, id), childrenKey(ownerId, id)])];
      const revoked = ids.map((id) => ({ ownerId, id }));
      const reply = await writing(revoked, [], () => run(() => revokeTreeScript.run(redis, keys, [String(at.getTime()), String(API_KEY_RETENTION_MS), ...ids])));
      const [status, count, ...hashes] = Array.isArray(reply) ? (reply as Array<string | number>) : [];
      if (status === 'retry') continue;
      // The lookup index is in another slot: it gets the record's retention now.
      const indexed = hashes.map(String);
      await writing([], indexed, () => run(() => Promise.all(indexed.map((hash) => redis.pexpire(hashKey(hash), API_KEY_RETENTION_MS)))));
      return Number(count);
    }
    return fail('keys kept being minted during the revocation');
  }

  return {
    async create(key: NewApiKey) {
      const id = randomUUID();
      const createdAt = now().getTime();
      const parentId = key.parentId ?? '';
      const index = JSON.stringify([key.ownerId, id]);
      const claimed = await run(() =>
        key.expiresAt === undefined
          ? redis.set(hashKey(key.hash), index, 'NX')
          : redis.set(hashKey(key.hash), index, 'PXAT', key.expiresAt.getTime() + API_KEY_RETENTION_MS, 'NX'),
      );
      if (claimed !== 'OK') fail('duplicate api key hash');
      const reply = await run(() =>
        createScript.run(
          redis,
          [recordKey(key.ownerId, id), ownerKey(key.ownerId), sequenceKey(key.ownerId), recordKey(key.ownerId, parentId), childrenKey(key.ownerId, parentId)],
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
      ).catch(async (error: unknown) => {
        await redis.del(hashKey(key.hash)).catch(() => 0);
        throw error;
      });
      if (reply === 'parent_gone') {
        await run(() => redis.del(hashKey(key.hash)));
        throw new ParentApiKeyGoneError();
      }
      return remember(toRecord(reply)) ?? fail('created key not found');
    },

    async findByHash(hash) {
      const pointer = await readPointer(hash);
      if (pointer === undefined) return undefined;
      const record = await readRecord(pointer);
      if (record === undefined || record.hash !== hash) {
        // The record is gone (purged after retention, or its creation died half way): so is the index.
        await writing([], [hash], () => run(() => redis.del(hashKey(hash))));
        return undefined;
      }
      return remember(record);
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
      const records = await run(() => Promise.all(shown.map(({ id }) => redis.hgetall(recordKey(ownerId, id)))));
      const items = records.flatMap((fields) => remember(toRecord(fields)) ?? []);
      // Expired keys past retention leave their id behind in the index: drop it now.
      const gone = shown.filter((_entry, index) => toRecord(records[index]) === undefined).map(({ id }) => id);
      if (gone.length > 0) await run(() => redis.zrem(ownerKey(ownerId), ...gone));
      const last = shown.at(-1);
      return { items, nextCursor: ids.length > page.limit && last !== undefined ? encodeSequenceCursor(Number(last.sequence)) : null };
    },

    async revoke(ownerId, id, at) {
      // Another owner's key is not under this owner's tag: it reads as absent, like an unknown id.
      const exists = await run(() => redis.exists(recordKey(ownerId, id)));
      if (exists === 0) return undefined;
      await revokeTrees(ownerId, async () => [id], at);
      return remember(toRecord(await run(() => redis.hgetall(recordKey(ownerId, id)))));
    },

    async revokeAllOfOwner(ownerId, at) {
      return revokeTrees(ownerId, () => run(() => redis.zrange(ownerKey(ownerId), 0, -1)), at);
    },

    async touchLastUsed(id, at, minIntervalMs) {
      // Called right after findByHash in the same process, which learned the owner; unknown here, no write.
      const ownerId = ownerOf.get(id);
      if (ownerId === undefined) return false;
      const wrote = await writing([{ ownerId, id }], [], () => run(() => touchScript.run(redis, [recordKey(ownerId, id)], [String(at.getTime()), String(minIntervalMs)])));
      return wrote === 1;
    },
  };
}

function parsePointer(index: string | null): ApiKeyPointer | undefined {
  if (index === null) return undefined;
  try {
    const parsed: unknown = JSON.parse(index);
    if (Array.isArray(parsed) && typeof parsed[0] === 'string' && typeof parsed[1] === 'string') return { ownerId: parsed[0], id: parsed[1] };
  } catch {
    // Not written by this store: treated as unknown below.
  }
  return undefined;
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
