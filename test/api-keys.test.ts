import { randomUUID } from 'node:crypto';
import { createGatehouseClient, ForbiddenError, UnauthorizedError } from '@gatehouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, callProcedure, login, type RawResponse } from './support/http.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { TEST_USERS } from './support/test-seed.js';

const apiKey = (key: string) => ({ 'x-api-key': key });

let gatehouse: RunningGatehouse;
let alice: { accessToken: string; user: { id: string } };
let bob: { accessToken: string; user: { id: string } };
/** Every key these tests were shown, to prove none of them reaches a log line. */
const issuedKeys: string[] = [];

async function createKey(token: Record<string, string>, input: { name: string; scopes: string[]; expiresInDays?: number }): Promise<RawResponse> {
  const response = await callProcedure(gatehouse.url, 'apiKeys.create', { kind: 'mutation', input, headers: token });
  if (response.status === 200) issuedKeys.push(response.body.result.data.key);
  return response;
}

async function newKey(scopes: string[], token = bearer(alice.accessToken)): Promise<{ id: string; key: string; prefix: string }> {
  const response = await createKey(token, { name: `key-${randomUUID().slice(0, 8)}`, scopes });
  expect(response.status).toBe(200);
  return response.body.result.data;
}

beforeAll(async () => {
  gatehouse = await startGatehouse();
  [alice, bob] = await Promise.all([login(gatehouse.url, TEST_USERS.alice), login(gatehouse.url, TEST_USERS.bob)]);
});
afterAll(() => gatehouse.close());

describe('apiKeys.create and apiKeys.list', () => {
  it('creates a greppable key shown once; the list shows its prefix but never the key or its hash', async () => {
    const response = await createKey(bearer(alice.accessToken), { name: 'reporting job', scopes: ['orders:read', 'orders:read'] });
    expect(response.status).toBe(200);
    const created = response.body.result.data;
    expect(created.key).toMatch(/^gk_live_[0-9A-Za-z]{49}$/);
    expect(created.key.startsWith(created.prefix)).toBe(true);
    expect(created).toMatchObject({ scopes: ['orders:read'], expiresAt: null });

    const list = await callProcedure(gatehouse.url, 'apiKeys.list', { headers: bearer(alice.accessToken) });
    expect(list.status).toBe(200);
    const listed = list.body.result.data.items.find((item: { id: string }) => item.id === created.id);
    expect(listed).toMatchObject({ name: 'reporting job', prefix: created.prefix, scopes: ['orders:read'], lastUsedAt: null });
    const body = JSON.stringify(list.body);
    expect(body).not.toContain(created.key);
    expect(body).not.toMatch(/[0-9a-f]{64}/);
  });

  it('refuses scopes beyond the creator’s with 403 insufficient_scope, storing nothing', async () => {
    const before = await callProcedure(gatehouse.url, 'apiKeys.list', { input: { limit: 100 }, headers: bearer(alice.accessToken) });
    const response = await createKey(bearer(alice.accessToken), { name: 'too strong', scopes: ['orders:read', 'admin'] });
    expect(response.status).toBe(403);
    expect(response.body.error.data.auth).toEqual({ reason: 'insufficient_scope', requiredScopes: ['orders:read', 'admin'], missingScopes: ['admin'] });
    const after = await callProcedure(gatehouse.url, 'apiKeys.list', { input: { limit: 100 }, headers: bearer(alice.accessToken) });
    expect(after.body.result.data.items).toHaveLength(before.body.result.data.items.length);
  });

  it('lets a key with apikeys:manage create keys only within its own scopes', async () => {
    const manager = await newKey(['apikeys:manage', 'orders:read']);
    const stronger = await createKey(apiKey(manager.key), { name: 'escalation', scopes: ['users:read'] });
    expect(stronger.status).toBe(403);
    expect(stronger.body.error.data.auth.missingScopes).toEqual(['users:read']);
    const weaker = await createKey(apiKey(manager.key), { name: 'narrower', scopes: ['orders:read'] });
    expect(weaker.status).toBe(200);
  });

  it('pages the caller’s keys newest first and shows no one else’s', async () => {
    const bobKeys = [await newKey(['orders:read'], bearer(bob.accessToken)), await newKey(['users:read'], bearer(bob.accessToken))];
    const first = await callProcedure(gatehouse.url, 'apiKeys.list', { input: { limit: 1 }, headers: bearer(bob.accessToken) });
    expect(first.body.result.data.items.map((item: { id: string }) => item.id)).toEqual([bobKeys[1]?.id]);
    const second = await callProcedure(gatehouse.url, 'apiKeys.list', {
      input: { limit: 1, cursor: first.body.result.data.nextCursor },
      headers: bearer(bob.accessToken),
    });
    expect(second.body.result.data.items.map((item: { id: string }) => item.id)).toEqual([bobKeys[0]?.id]);
    const aliceList = await callProcedure(gatehouse.url, 'apiKeys.list', { input: { limit: 100 }, headers: bearer(alice.accessToken) });
    const aliceIds = aliceList.body.result.data.items.map((item: { id: string }) => item.id);
    expect(aliceIds).not.toContain(bobKeys[0]?.id);
  });
});

describe('calling with an API key', () => {
  it('acts for its owner through X-API-Key or Authorization: Bearer', async () => {
    const { key } = await newKey(['users:read']);
    for (const headers of [apiKey(key), bearer(key)]) {
      const me = await callProcedure(gatehouse.url, 'users.me', { headers });
      expect(me.status).toBe(200);
      expect(me.body.result.data.id).toBe(alice.user.id);
    }
  });

  it('answers 403 with the missing scopes for a procedure outside the key’s scopes', async () => {
    const { key } = await newKey(['orders:read']);
    const response = await callProcedure(gatehouse.url, 'users.me', { headers: apiKey(key) });
    expect(response.status).toBe(403);
    expect(response.body.error.data.auth).toMatchObject({ reason: 'insufficient_scope', missingScopes: ['users:read'] });
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="gatehouse", error="insufficient_scope", scope="users:read"');
  });

  it('refuses a revoked key at once with 401 revoked_token, and drops it from the list', async () => {
    const { id, key } = await newKey(['users:read']);
    expect((await callProcedure(gatehouse.url, 'users.me', { headers: apiKey(key) })).status).toBe(200);
    const revoked = await callProcedure(gatehouse.url, 'apiKeys.revoke', { kind: 'mutation', input: { id }, headers: bearer(alice.accessToken) });
    expect(revoked.status).toBe(200);
    expect(revoked.body.result.data.id).toBe(id);

    const response = await callProcedure(gatehouse.url, 'users.me', { headers: apiKey(key) });
    expect(response.status).toBe(401);
    expect(response.body.error.data.auth).toEqual({ reason: 'revoked_token' });
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="gatehouse", error="invalid_token"/);
    const list = await callProcedure(gatehouse.url, 'apiKeys.list', { input: { limit: 100 }, headers: bearer(alice.accessToken) });
    expect(list.body.result.data.items.map((item: { id: string }) => item.id)).not.toContain(id);
  });

  it('answers another user’s key id like an unknown one (404) and leaves the key working', async () => {
    const { id, key } = await newKey(['users:read']);
    const byBob = await callProcedure(gatehouse.url, 'apiKeys.revoke', { kind: 'mutation', input: { id }, headers: bearer(bob.accessToken) });
    const unknown = await callProcedure(gatehouse.url, 'apiKeys.revoke', { kind: 'mutation', input: { id: randomUUID() }, headers: bearer(bob.accessToken) });
    expect(byBob.status).toBe(404);
    expect({ ...byBob.body.error.data, requestId: 0 }).toEqual({ ...unknown.body.error.data, requestId: 0 });
    expect((await callProcedure(gatehouse.url, 'users.me', { headers: apiKey(key) })).status).toBe(200);
  });

  it('rejects a mistyped key as invalid_token (the checksum fails, no store lookup)', async () => {
    const { key } = await newKey(['users:read']);
    const last = key.at(-10) === 'a' ? 'b' : 'a';
    const typo = `${key.slice(0, -10)}${last}${key.slice(-9)}`;
    for (const candidate of [typo, key.slice(0, -1), `gk_test_${key.slice(8)}`]) {
      const response = await callProcedure(gatehouse.url, 'users.me', { headers: apiKey(candidate) });
      expect(response.status).toBe(401);
      expect(response.body.error.data.auth).toEqual({ reason: 'invalid_token' });
    }
  });

  it('refuses two credentials in one request with 400', async () => {
    const { key } = await newKey(['users:read']);
    const response = await callProcedure(gatehouse.url, 'users.me', { headers: { ...apiKey(key), ...bearer(alice.accessToken) } });
    expect(response.status).toBe(400);
  });

  it('refuses a key in the query string with 400, even beside a valid header', async () => {
    const { key } = await newKey(['users:read']);
    for (const parameter of ['api_key', 'apiKey', 'access_token', 'token']) {
      const response = await callProcedure(gatehouse.url, 'users.me', { headers: apiKey(key), query: `${parameter}=${key}` });
      expect(response.status).toBe(400);
      expect(response.body.error.data.code).toBe('BAD_REQUEST');
    }
  });

  it('records apikey.created and apikey.revoked events without the key', async () => {
    const { id } = await newKey(['orders:read']);
    await callProcedure(gatehouse.url, 'apiKeys.revoke', { kind: 'mutation', input: { id }, headers: bearer(alice.accessToken) });
    const events = gatehouse
      .logLines()
      .map((line) => JSON.parse(line))
      .filter((line) => line.event?.details?.keyId === id)
      .map((line) => line.event);
    expect(events.map((event) => event.type)).toEqual(['apikey.created', 'apikey.revoked']);
    expect(events[0]).toMatchObject({ principal: `user:${alice.user.id}`, details: { ownerId: alice.user.id, scopes: ['orders:read'] } });
  });
});

describe('the typed client with an API key', () => {
  it('calls with the key and throws typed errors for scope and revocation', async () => {
    const { id, key } = await newKey(['users:read']);
    const client = createGatehouseClient({ url: gatehouse.url, apiKey: key });
    expect((await client.users.me.query()).id).toBe(alice.user.id);

    const scopeError = await client.orders.list.query().catch((error: unknown) => error);
    expect(scopeError).toBeInstanceOf(ForbiddenError);
    expect((scopeError as ForbiddenError).missingScopes).toEqual(['orders:read']);

    await callProcedure(gatehouse.url, 'apiKeys.revoke', { kind: 'mutation', input: { id }, headers: bearer(alice.accessToken) });
    const revokedError = await client.users.me.query().catch((error: unknown) => error);
    expect(revokedError).toBeInstanceOf(UnauthorizedError);
    expect((revokedError as UnauthorizedError).reason).toBe('revoked_token');
  });

  it('refuses to be built with both an API key and an access token', () => {
    expect(() => createGatehouseClient({ url: gatehouse.url, apiKey: 'gk_live_x', accessToken: 'y' } as never)).toThrow(TypeError);
  });
});

describe('logs', () => {
  it('never contain a key, whether sent in a header, as a bearer token or in the query string', async () => {
    // Its own keys, used every way a client may send one (and one way it must not), then revoked and reused.
    const [used, revoked] = [await newKey(['users:read']), await newKey(['users:read'])];
    expect((await callProcedure(gatehouse.url, 'users.me', { headers: apiKey(used.key) })).status).toBe(200);
    expect((await callProcedure(gatehouse.url, 'users.me', { headers: bearer(used.key) })).status).toBe(200);
    expect((await callProcedure(gatehouse.url, 'users.me', { query: `api_key=${used.key}` })).status).toBe(400);
    expect((await callProcedure(gatehouse.url, 'apiKeys.revoke', { kind: 'mutation', input: { id: revoked.id }, headers: bearer(alice.accessToken) })).status).toBe(200);
    expect((await callProcedure(gatehouse.url, 'users.me', { headers: apiKey(revoked.key) })).status).toBe(401);
    expect(issuedKeys).toEqual(expect.arrayContaining([used.key, revoked.key]));
    const logged = gatehouse.logLines().join('\n');
    for (const key of issuedKeys) expect(logged).not.toContain(key.slice(8));
  });
});

describe('keys and time', () => {
  let clockMs = Date.parse('2030-01-01T00:00:00Z');
  let timed: RunningGatehouse;
  beforeAll(async () => {
    timed = await startGatehouse({ now: () => clockMs });
  });
  afterAll(() => timed.close());

  it('expires a key after expiresInDays with 401 expired_token, and writes last-used at most once a minute', async () => {
    const session = await login(timed.url, TEST_USERS.alice);
    const created = await callProcedure(timed.url, 'apiKeys.create', {
      kind: 'mutation',
      input: { name: 'one day', scopes: ['users:read'], expiresInDays: 1 },
      headers: bearer(session.accessToken),
    });
    const { id, key, expiresAt } = created.body.result.data;
    expect(expiresAt).toBe('2030-01-02T00:00:00.000Z');
    const lastUsed = async () => {
      const fresh = await login(timed.url, TEST_USERS.alice);
      const list = await callProcedure(timed.url, 'apiKeys.list', { headers: bearer(fresh.accessToken) });
      return list.body.result.data.items.find((item: { id: string }) => item.id === id).lastUsedAt;
    };

    expect((await callProcedure(timed.url, 'users.me', { headers: apiKey(key) })).status).toBe(200);
    expect(await lastUsed()).toBe('2030-01-01T00:00:00.000Z');
    clockMs += 59_000;
    expect((await callProcedure(timed.url, 'users.me', { headers: apiKey(key) })).status).toBe(200);
    expect(await lastUsed()).toBe('2030-01-01T00:00:00.000Z');
    clockMs += 1_000;
    expect((await callProcedure(timed.url, 'users.me', { headers: apiKey(key) })).status).toBe(200);
    expect(await lastUsed()).toBe('2030-01-01T00:01:00.000Z');

    clockMs = Date.parse('2030-01-02T00:00:00Z');
    const expired = await callProcedure(timed.url, 'users.me', { headers: apiKey(key) });
    expect(expired.status).toBe(401);
    expect(expired.body.error.data.auth).toEqual({ reason: 'expired_token' });
  });
});
