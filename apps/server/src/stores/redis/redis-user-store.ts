import { randomUUID } from 'node:crypto';
import { roleSchema, userAttributesSchema, type Role, type UserAttributes } from '@gatehouse/contracts';
import type { RedisValue } from 'ioredis';
import type { RedisClient } from './redis-client.js';
import { z } from 'zod';
import type { Page, PageRequest } from '../page.js';
import { EmailTakenError, type NewUser, type UserRecord, type UserStore } from '../user-store.js';
import { secondFactorFromJson, secondFactorToJson } from '../second-factor-json.js';
import type { FeedHeldReads } from './feed-held-reads.js';
import { createRedisScript, runOnRedis, type RedisScript } from './redis-script.js';
import { pageSortedSet } from './sorted-set-page.js';

/*
 * Keys, all under the configured prefix. Users are durable records of
 * accounts, so neither they nor the indexes pointing at them carry a TTL:
 * an expiring account would be a silent deletion. This is the reasoned
 * exception to "every Redis key has a TTL".
 *   {u:<id>}:user              hash of the record (the user's tag, shared with their token keys;
 *                              `attributes`, when set, is their JSON)
 *   user-email:<email>         the id for a lowercased email (the uniqueness guard; its own slot)
 *   {users}:sequence           INCR counter giving each user its creation position
 *   {users}:by-sequence        sorted set id -> position, for oldest-first paging
 * On a Redis Cluster these are three slots, so a registration is three steps
 * in an order that is safe to stop anywhere: the record (unreachable while no
 * email points at it), then the email claim (the uniqueness decision, SET NX),
 * then the listing index. A process dying between the last two leaves a user
 * who can log in but is missing from the admin listing until re-indexed; no
 * order ever leaves an email claimed by nobody. The listing index is one tag
 * for all users: only registration and the admin listing touch it, never a
 * login or a token check.
 */

/** Gives the user its listing position. KEYS: sequence, by-sequence. ARGV: id. */
const INDEX_USER = createRedisScript(`
local position = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], position, ARGV[1])
return position
`);

/**
 * Changes one field of an existing user and returns the whole new record.
 * A missing user stays missing (HSET alone would create a partial record),
 * and concurrent changes of different fields never undo each other.
 */
const UPDATE_USER_FIELD = createRedisScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return redis.call('HGETALL', KEYS[1])
`);

/** Disables an existing user once: a second disable keeps the first time. */
const DISABLE_USER = createRedisScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('HSETNX', KEYS[1], 'disabledAt', ARGV[1])
return redis.call('HGETALL', KEYS[1])
`);

/** Replaces or removes (empty ARGV[1]) the second factor of an existing user; returns the new record. */
const SET_SECOND_FACTOR = createRedisScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if ARGV[1] == '' then redis.call('HDEL', KEYS[1], 'secondFactor') else redis.call('HSET', KEYS[1], 'secondFactor', ARGV[1]) end
return redis.call('HGETALL', KEYS[1])
`);

/** Records a TOTP time step as used when it is later than the last one. ARGV: step. Returns 1 when recorded. */
const USE_TIME_STEP = createRedisScript(`
local json = redis.call('HGET', KEYS[1], 'secondFactor')
if not json then return 0 end
local factor = cjson.decode(json)
if tonumber(factor.lastTimeStep) >= tonumber(ARGV[1]) then return 0 end
factor.lastTimeStep = tonumber(ARGV[1])
redis.call('HSET', KEYS[1], 'secondFactor', cjson.encode(factor))
return 1
`);

/** Removes one recovery code hash. ARGV: hash. Returns 1 when it was there (and is now gone). */
const USE_RECOVERY_CODE = createRedisScript(`
local json = redis.call('HGET', KEYS[1], 'secondFactor')
if not json then return 0 end
local factor = cjson.decode(json)
local kept = {}
local found = false
for _, hash in ipairs(factor.recoveryCodeHashes) do
  if hash == ARGV[1] and not found then found = true else table.insert(kept, hash) end
end
if not found then return 0 end
factor.recoveryCodeHashes = kept
redis.call('HSET', KEYS[1], 'secondFactor', cjson.encode(factor))
return 1
`);

const storedUser = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: roleSchema,
  passwordHash: z.string(),
  createdAt: z.coerce.number().int(),
  attributes: z
    .string()
    .transform((json, ctx) => {
      try {
        return JSON.parse(json) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'attributes are not JSON' });
        return z.NEVER;
      }
    })
    .pipe(userAttributesSchema)
    .optional(),
  disabledAt: z.coerce.number().int().optional(),
  secondFactor: z.string().optional(),
});

export interface RedisUserStoreOptions {
  readonly redis: RedisClient;
  readonly keyPrefix: string;
  readonly now?: () => Date;
  /**
   * Records held in this process until Redis announces a write to them, with a feed listening under
   * `redisUserRecordPrefix` (feed-held-reads.ts). Without it every lookup reads Redis.
   */
  readonly held?: FeedHeldReads<UserRecord> | undefined;
}

/** Every user record's key starts with this (and no other key does): what the invalidation feed listens to. */
export function redisUserRecordPrefix(keyPrefix: string): string {
  return `${keyPrefix}{u:`;
}

export function createRedisUserStore(options: RedisUserStoreOptions): UserStore {
  const { redis, keyPrefix, held } = options;
  const now = options.now ?? (() => new Date());
  const keys = {
    user: (id: string) => `${redisUserRecordPrefix(keyPrefix)}${id}}:user`,
    email: (email: string) => `${keyPrefix}user-email:${email.toLowerCase()}`,
    sequence: `${keyPrefix}{users}:sequence`,
    bySequence: `${keyPrefix}{users}:by-sequence`,
  };

  async function read(key: string): Promise<UserRecord | undefined> {
    return toRecord(await runOnRedis(() => redis.hgetall(key)));
  }

  function findById(id: string): Promise<UserRecord | undefined> {
    const key = keys.user(id);
    return held === undefined ? read(key) : held.read(key, () => read(key));
  }

  /** Runs a write of one user's record; whatever this process held of it goes, even when the write failed half-way. */
  async function writing<T>(id: string, write: (key: string) => Promise<T>): Promise<T> {
    const key = keys.user(id);
    try {
      return await write(key);
    } finally {
      held?.forget(key);
    }
  }

  /** A script that changes one user's record and answers the whole new record (or false when there is none). */
  async function runOnUser(script: RedisScript, id: string, args: readonly RedisValue[]): Promise<UserRecord | undefined> {
    const reply = await writing(id, (key) => script.run(redis, [key], args));
    return Array.isArray(reply) ? toRecord(pairsToObject(reply)) : undefined;
  }

  const updateField = (id: string, field: 'name' | 'role' | 'attributes', value: string) => runOnUser(UPDATE_USER_FIELD, id, [field, value]);

  return {
    async create(user: NewUser): Promise<UserRecord> {
      const record: UserRecord = Object.freeze({ ...user, id: randomUUID(), createdAt: now() });
      const fields = ['id', record.id, 'email', record.email, 'name', record.name, 'role', record.role];
      await runOnRedis(() =>
        redis.hset(keys.user(record.id), ...fields, 'passwordHash', record.passwordHash, 'createdAt', String(record.createdAt.getTime())),
      );
      const claimed = await runOnRedis(() => redis.set(keys.email(record.email), record.id, 'NX'));
      if (claimed !== 'OK') {
        await runOnRedis(() => redis.del(keys.user(record.id)));
        throw new EmailTakenError();
      }
      await INDEX_USER.run(redis, [keys.sequence, keys.bySequence], [record.id]);
      return record;
    },
    findById,
    async findByEmail(email: string) {
      const id = await runOnRedis(() => redis.get(keys.email(email)));
      return id === null ? undefined : findById(id);
    },
    async list(page: PageRequest): Promise<Page<UserRecord>> {
      const ids = await pageSortedSet(redis, keys.bySequence, page, 'ascending');
      const users = await Promise.all(ids.items.map(findById));
      return { items: users.filter((user) => user !== undefined), nextCursor: ids.nextCursor };
    },
    updateName: (id, name) => updateField(id, 'name', name),
    setRole: (id, role: Role) => updateField(id, 'role', role),
    // One field holding the whole set: replaced in one HSET, never half old and half new.
    setAttributes: (id, attributes: UserAttributes) => updateField(id, 'attributes', JSON.stringify(userAttributesSchema.parse(attributes))),
    disable: (id) => runOnUser(DISABLE_USER, id, [now().getTime()]),
    setSecondFactor: (id, factor) => runOnUser(SET_SECOND_FACTOR, id, [factor === null ? '' : secondFactorToJson(factor)]),
    async useTimeStep(id, timeStep) {
      return (await writing(id, (key) => USE_TIME_STEP.run(redis, [key], [timeStep]))) === 1;
    },
    async useRecoveryCode(id, codeHash) {
      return (await writing(id, (key) => USE_RECOVERY_CODE.run(redis, [key], [codeHash]))) === 1;
    },
  };
}

function toRecord(hash: Record<string, string>): UserRecord | undefined {
  if (Object.keys(hash).length === 0) return undefined;
  const parsed = storedUser.safeParse(hash);
  // A record this store did not write is a bug or tampering: fail loudly, never hand out a half user.
  if (!parsed.success) throw new Error('Corrupt user record in Redis');
  const { createdAt, disabledAt, attributes, secondFactor, ...rest } = parsed.data;
  // Absent stays absent (not `attributes: undefined`), like a record the memory store never gave attributes.
  return Object.freeze({
    ...rest,
    createdAt: new Date(createdAt),
    ...(disabledAt === undefined ? {} : { disabledAt: new Date(disabledAt) }),
    ...(attributes === undefined ? {} : { attributes: Object.freeze(attributes) }),
    ...(secondFactor === undefined ? {} : { secondFactor: secondFactorFromJson(secondFactor) }),
  });
}

/** A Lua HGETALL reply: [field, value, field, value, ...]. */
function pairsToObject(reply: readonly unknown[]): Record<string, string> {
  const object: Record<string, string> = {};
  for (let index = 0; index + 1 < reply.length; index += 2) object[String(reply[index])] = String(reply[index + 1]);
  return object;
}
