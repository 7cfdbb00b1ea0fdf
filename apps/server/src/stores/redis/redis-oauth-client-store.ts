import { scopeSchema } from '@gatehouse/contracts';
import type { RedisClient } from './redis-client.js';
import { z } from 'zod';
import {
  ClientIdTakenError,
  OAUTH_GRANT_TYPES,
  type NewOAuthClient,
  type OAuthClientRecord,
  type OAuthClientStore,
  type StoredClientSecret,
} from '../oauth-client-store.js';
import { createRedisScript, runOnRedis } from './redis-script.js';

/*
 * One key per client, under the configured prefix, and every script touches
 * only that key (KEYS[1]), so each record lives in one cluster slot:
 *   oauth-client:{clientId}   hash of the record
 * Clients are registrations, durable like users: no TTL (an expiring client
 * would be a silent deletion), the same reasoned exception as user records.
 */

/** Creates the record unless the id is taken: two racing creations cannot both win. */
const CREATE_CLIENT = createRedisScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
`);

/** Replaces the secret of an existing client; a missing client stays missing (HSET alone would create a partial record). */
const SET_SECRET = createRedisScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('HSET', KEYS[1], 'secretKind', ARGV[1], 'secret', ARGV[2])
return redis.call('HGETALL', KEYS[1])
`);

/** Disables an existing client once: a second disable keeps the first time. */
const DISABLE_CLIENT = createRedisScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('HSETNX', KEYS[1], 'disabledAt', ARGV[1])
return redis.call('HGETALL', KEYS[1])
`);

const jsonList = <T extends z.ZodType>(item: T) => z.string().transform((text, ctx) => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'not JSON' });
    return z.NEVER;
  }
}).pipe(z.array(item));

const storedClient = z.object({
  clientId: z.string(),
  type: z.enum(['public', 'confidential']),
  redirectUris: jsonList(z.string()),
  scopes: jsonList(scopeSchema),
  grantTypes: jsonList(z.enum(OAUTH_GRANT_TYPES)),
  secretKind: z.enum(['sha256', 'bcrypt']).optional(),
  secret: z.string().optional(),
  // '1' when pinned; absent (records written before pinning existed, or unpinned) is not pinned.
  pinNetwork: z.literal('1').optional(),
  createdAt: z.coerce.number().int(),
  disabledAt: z.coerce.number().int().optional(),
});

export interface RedisOAuthClientStoreOptions {
  readonly redis: RedisClient;
  readonly keyPrefix: string;
  readonly now?: () => Date;
}

export function createRedisOAuthClientStore(options: RedisOAuthClientStoreOptions): OAuthClientStore {
  const { redis, keyPrefix } = options;
  const now = options.now ?? (() => new Date());
  const keyOf = (clientId: string) => `${keyPrefix}oauth-client:${clientId}`;

  async function changed(reply: unknown): Promise<OAuthClientRecord | undefined> {
    return Array.isArray(reply) ? toRecord(pairsToObject(reply)) : undefined;
  }

  return {
    async create(client: NewOAuthClient) {
      const createdAt = now();
      const fields: Array<string | number> = [
        'clientId', client.clientId,
        'type', client.type,
        'redirectUris', JSON.stringify(client.redirectUris),
        'scopes', JSON.stringify(client.scopes),
        'grantTypes', JSON.stringify(client.grantTypes),
        'createdAt', createdAt.getTime(),
      ];
      if (client.secret !== undefined) fields.push('secretKind', client.secret.kind, 'secret', secretValue(client.secret));
      if (client.pinNetwork) fields.push('pinNetwork', '1');
      const created = await CREATE_CLIENT.run(redis, [keyOf(client.clientId)], fields);
      if (created === 0) throw new ClientIdTakenError(client.clientId);
      return toRecord(Object.fromEntries(pairsOf(fields)) as Record<string, string>) as OAuthClientRecord;
    },
    async find(clientId) {
      return toRecord(await runOnRedis(() => redis.hgetall(keyOf(clientId))));
    },
    async setSecret(clientId, secret) {
      return changed(await SET_SECRET.run(redis, [keyOf(clientId)], [secret.kind, secretValue(secret)]));
    },
    async disable(clientId) {
      return changed(await DISABLE_CLIENT.run(redis, [keyOf(clientId)], [now().getTime()]));
    },
  };
}

function secretValue(secret: StoredClientSecret): string {
  return secret.kind === 'sha256' ? secret.digest : secret.hash;
}

function toRecord(hash: Record<string, string>): OAuthClientRecord | undefined {
  if (Object.keys(hash).length === 0) return undefined;
  const parsed = storedClient.safeParse(hash);
  // A record this store did not write is a bug or tampering: fail loudly, never hand out a half client.
  if (!parsed.success) throw new Error('Corrupt OAuth client record in Redis');
  const { secretKind, secret, createdAt, disabledAt, pinNetwork, ...rest } = parsed.data;
  const stored: StoredClientSecret | undefined =
    secretKind === undefined || secret === undefined ? undefined : secretKind === 'sha256' ? { kind: 'sha256', digest: secret } : { kind: 'bcrypt', hash: secret };
  return Object.freeze({
    ...rest,
    redirectUris: Object.freeze(rest.redirectUris),
    scopes: Object.freeze(rest.scopes),
    grantTypes: Object.freeze(rest.grantTypes),
    secret: stored,
    pinNetwork: pinNetwork === '1',
    createdAt: new Date(createdAt),
    ...(disabledAt === undefined ? {} : { disabledAt: new Date(disabledAt) }),
  });
}

function pairsOf(flat: ReadonlyArray<string | number>): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (let index = 0; index + 1 < flat.length; index += 2) pairs.push([String(flat[index]), String(flat[index + 1])]);
  return pairs;
}

/** A Lua HGETALL reply: [field, value, field, value, ...]. */
function pairsToObject(reply: readonly unknown[]): Record<string, string> {
  return Object.fromEntries(pairsOf(reply.map(String)));
}
