import { TRPCError } from '@trpc/server';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createApiKeys } from '../apikeys/api-keys.js';
import { generateApiKey } from '../apikeys/key-format.js';
import { createMemoryUserStore } from '../stores/memory/memory-user-store.js';
import { createRedisConnection } from '../stores/redis/redis-connection.js';
import { createRedisApiKeyStore } from '../stores/redis/redis-api-key-store.js';
import { createMemoryApiKeyStore } from '../stores/memory/memory-api-key-store.js';
import { AuthFailureError } from '../errors/auth-failure-error.js';
import { authenticateApiKey } from './authenticate-api-key.js';

describe('API key authentication while Redis is down', () => {
  // A real connection to a port where nothing listens: every store command fails at once.
  const down = createRedisConnection({ url: 'redis://127.0.0.1:1', logger: pino({ level: 'silent' }) });
  afterAll(() => down.disconnect());
  const deps = {
    apiKeys: createApiKeys({ store: createRedisApiKeyStore({ redis: down, keyPrefix: 'never-written:' }) }),
    users: createMemoryUserStore(),
  };

  it('still rejects a mistyped key as invalid_token: the checksum needs no store lookup', async () => {
    const { key } = generateApiKey();
    const error = await authenticateApiKey(deps, `${key.slice(0, -1)}${key.endsWith('0') ? '1' : '0'}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthFailureError);
    expect((error as AuthFailureError).data.reason).toBe('invalid_token');
  });

  it('answers a well-formed key with 503, neither accepting it nor calling it invalid', async () => {
    const error = await authenticateApiKey(deps, generateApiKey().key).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCError);
    expect((error as TRPCError).code).toBe('SERVICE_UNAVAILABLE');
  });
});

describe('API key authentication', () => {
  async function setUp() {
    const users = createMemoryUserStore();
    const apiKeys = createApiKeys({ store: createMemoryApiKeyStore() });
    const owner = await users.create({ email: 'owner@example.com', name: 'O', role: 'admin', passwordHash: 'unused' });
    return { deps: { apiKeys, users }, users, apiKeys, owner };
  }

  it('acts for the key’s owner with the key’s scopes', async () => {
    const { deps, apiKeys, owner } = await setUp();
    const issued = await apiKeys.issue({ ownerId: owner.id, name: 'ops', scopes: ['users:read', 'admin'] });
    expect(await authenticateApiKey(deps, issued.key)).toEqual({
      kind: 'user',
      userId: owner.id,
      scopes: ['users:read', 'admin'],
      credential: { type: 'api_key', keyId: issued.record.id },
    });
  });

  it('narrows a demoted owner’s old admin key to what the owner’s role holds today', async () => {
    const { deps, users, apiKeys, owner } = await setUp();
    const issued = await apiKeys.issue({ ownerId: owner.id, name: 'ops', scopes: ['users:read', 'admin'] });
    await users.setRole(owner.id, 'user');
    expect((await authenticateApiKey(deps, issued.key)).scopes).toEqual(['users:read']);
  });

  it('refuses the key of a disabled owner as invalid_token', async () => {
    const { deps, users, apiKeys, owner } = await setUp();
    const issued = await apiKeys.issue({ ownerId: owner.id, name: 'ops', scopes: ['users:read'] });
    await users.disable(owner.id);
    const error = await authenticateApiKey(deps, issued.key).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthFailureError);
    expect((error as AuthFailureError).data.reason).toBe('invalid_token');
  });
});
