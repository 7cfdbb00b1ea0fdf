import { randomUUID } from 'node:crypto';
import { roleSchema, userAttributesSchema, type Role, type UserAttributes } from '@gatehouse/contracts';
import type { RedisClient } from './redis-client.js';
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
});

export interface RedisUserStoreOptions {
  readonly redis: RedisClient;
  readonly keyPrefix: string;
  readonly now?: () => Date;
}

export function createRedisUserStore(options: RedisUserStoreOptions): UserStore {
  const { redis, keyPrefix } = options;
  const now = options.now ?? (() => new Date());
  const keys = {
    user: (id: string) => `${keyPrefix}{u:${id}}:user`,
    email: (email: string) => `${keyPrefix}user-email:${email.toLowerCase()}`,
    sequence: `${keyPrefix}{users}:sequence`,
    bySequence: `${keyPrefix}{users}:by-sequence`,
  };

  async function findById(id: string): Promise<UserRecord | undefined> {
    return toRecord(await runOnRedis(() => redis.hgetall(keys.user(id))));
  }

  async function updateField(id: string, field: 'name' | 'role' | 'attributes', value: string): Promise<UserRecord | undefined> {
    const reply = await UPDATE_USER_FIELD.run(redis, [keys.user(id)], [field, value]);
    return Array.isArray(reply) ? toRecord(pairsToObject(reply)) : undefined;
  }

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
  const { createdAt, disabledAt, attributes, ...rest } = parsed.data;
  // Absent stays absent (not `attributes: undefined`), like a record the memory store never gave attributes.
  return Object.freeze({
    ...rest,
    createdAt: new Date(createdAt),
    ...(disabledAt === undefined ? {} : { disabledAt: new Date(disabledAt) }),
    ...(attributes === undefined ? {} : { attributes: Object.freeze(attributes) }),
  });
}

/** A Lua HGETALL reply: [field, value, field, value, ...]. */
function pairsToObject(reply: readonly unknown[]): Record<string, string> {
  const object: Record<string, string> = {};
  for (let index = 0; index + 1 < reply.length; index += 2) object[String(reply[index])] = String(reply[index + 1]);
  return object;
}
