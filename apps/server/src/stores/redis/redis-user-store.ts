import { roleSchema, type Role } from '@gatehouse/contracts';
import type { Redis } from 'ioredis';
import { v4 as uuidv4 } from 'uuid';
import { z } from 'zod';
import type { Page, PageRequest } from '../page.js';
import { EmailTakenError, type NewUser, type UserRecord, type UserStore } from '../user-store.js';
import { createRedisScript, runOnRedis } from './redis-script.js';
import { pageSortedSet } from './sorted-set-page.js';

/*
 * Keys, all under the configured prefix. Users are durable records of
 * accounts, so neither they nor the indexes pointing at them carry a TTL:
 * an expiring account would be a silent deletion. This is the reasoned
 * exception to "every Redis key has a TTL".
 *   user:{id}            hash of the record
 *   user-email:{email}   the id for a lowercased email (the uniqueness guard)
 *   users:sequence       INCR counter giving each user its creation position
 *   users:by-sequence    sorted set id -> position, for oldest-first paging
 */

/** Checks, claims the email and writes the record in one step: two racing registrations cannot both win. */
const CREATE_USER = createRedisScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local position = redis.call('INCR', KEYS[3])
redis.call('SET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], 'id', ARGV[1], 'email', ARGV[2], 'name', ARGV[3], 'role', ARGV[4], 'passwordHash', ARGV[5], 'createdAt', ARGV[6])
redis.call('ZADD', KEYS[4], position, ARGV[1])
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

const storedUser = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: roleSchema,
  passwordHash: z.string(),
  createdAt: z.coerce.number().int(),
  disabledAt: z.coerce.number().int().optional(),
});

export interface RedisUserStoreOptions {
  readonly redis: Redis;
  readonly keyPrefix: string;
  readonly now?: () => Date;
}

export function createRedisUserStore(options: RedisUserStoreOptions): UserStore {
  const { redis, keyPrefix } = options;
  const now = options.now ?? (() => new Date());
  const keys = {
    user: (id: string) => `${keyPrefix}user:${id}`,
    email: (email: string) => `${keyPrefix}user-email:${email.toLowerCase()}`,
    sequence: `${keyPrefix}users:sequence`,
    bySequence: `${keyPrefix}users:by-sequence`,
  };

  async function findById(id: string): Promise<UserRecord | undefined> {
    return toRecord(await runOnRedis(() => redis.hgetall(keys.user(id))));
  }

  async function updateField(id: string, field: 'name' | 'role', value: string): Promise<UserRecord | undefined> {
    const reply = await UPDATE_USER_FIELD.run(redis, [keys.user(id)], [field, value]);
    return Array.isArray(reply) ? toRecord(pairsToObject(reply)) : undefined;
  }

  return {
    async create(user: NewUser): Promise<UserRecord> {
      const record: UserRecord = Object.freeze({ ...user, id: uuidv4(), createdAt: now() });
      const position = await CREATE_USER.run(
        redis,
        [keys.email(record.email), keys.user(record.id), keys.sequence, keys.bySequence],
        [record.id, record.email, record.name, record.role, record.passwordHash, record.createdAt.getTime()],
      );
      if (position === 0) throw new EmailTakenError();
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
    async disable(id) {
      const reply = await DISABLE_USER.run(redis, [keys.user(id)], [now().getTime()]);
      return Array.isArray(reply) ? toRecord(pairsToObject(reply)) : undefined;
    },
  };
}

function toRecord(hash: Record<string, string>): UserRecord | undefined {
  if (Object.keys(hash).length === 0) return undefined;
  const parsed = storedUser.safeParse(hash);
  // A record this store did not write is a bug or tampering: fail loudly, never hand out a half user.
  if (!parsed.success) throw new Error('Corrupt user record in Redis');
  const { createdAt, disabledAt, ...rest } = parsed.data;
  return Object.freeze({ ...rest, createdAt: new Date(createdAt), ...(disabledAt === undefined ? {} : { disabledAt: new Date(disabledAt) }) });
}

/** A Lua HGETALL reply: [field, value, field, value, ...]. */
function pairsToObject(reply: readonly unknown[]): Record<string, string> {
  const object: Record<string, string> = {};
  for (let index = 0; index + 1 < reply.length; index += 2) object[String(reply[index])] = String(reply[index + 1]);
  return object;
}
