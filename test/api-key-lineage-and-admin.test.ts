import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForAuditRecord } from './support/audit.js';
import { projectStores } from './support/default-store.js';
import { bearer, callProcedure, login, type RawResponse } from './support/http.js';
import { registerUser } from './support/sessions.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { memoryVariant, redisVariant, type StoreVariant } from './support/store-variants.js';
import { TEST_USERS } from './support/test-seed.js';

/**
 * Finding 8 of issue 14: API keys outlived their limits. A key minted with a
 * key now expires no later than its parent and dies with it; an admin can
 * list and revoke any user's keys and end a user's sessions and keys at
 * once; resource servers introspect keys at /oauth/introspect (RFC 7662).
 */
const DAY_MS = 86_400_000;
const BILLING_BASIC = `Basic ${Buffer.from('billing:billing-test-secret-0123456789').toString('base64')}`;
const apiKey = (key: string) => ({ 'x-api-key': key });

describe.each(projectStores())('API key lineage and administration on the %s store', (storeName) => {
  let gatehouse: RunningGatehouse;
  let store: StoreVariant;
  let adminToken: string;
  let nowMs = Date.now();

  beforeAll(async () => {
    store = storeName === 'redis' ? redisVariant('api-key-lineage') : memoryVariant();
    gatehouse = await startGatehouse({ env: await store.env(), now: () => nowMs });
    adminToken = (await login(gatehouse.url, TEST_USERS.admin)).accessToken;
  });
  afterAll(async () => {
    await gatehouse.close();
    await store.cleanup();
  });

  const call = (path: string, kind: 'query' | 'mutation', input: unknown, headers: Record<string, string>) =>
    callProcedure(gatehouse.url, path, { kind, input, headers });

  async function createKey(headers: Record<string, string>, input: { scopes: string[]; expiresInDays?: number }) {
    const response = await call('apiKeys.create', 'mutation', { name: 'lineage', ...input }, headers);
    expect(response.status).toBe(200);
    return response.body.result.data as { id: string; key: string; expiresAt: string | null };
  }

  async function introspect(token: string, authorization = BILLING_BASIC) {
    const response = await fetch(`${gatehouse.url}/oauth/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization },
      body: new URLSearchParams({ token }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  const authReason = (response: RawResponse) => response.body?.error?.data?.auth?.reason as string | undefined;
  const me = (key: string) => callProcedure(gatehouse.url, 'users.me', { headers: apiKey(key) });

  async function freshUser() {
    const user = await registerUser(gatehouse.url);
    return { id: user.id, token: bearer((await login(gatehouse.url, user)).accessToken) };
  }

  it('gives a key minted with a one-day key at most one day, whatever it asks for', async () => {
    const user = await freshUser();
    const parent = await createKey(user.token, { scopes: ['apikeys:manage', 'users:read'], expiresInDays: 1 });
    const forever = await createKey(apiKey(parent.key), { scopes: ['users:read'] });
    expect(forever.expiresAt).toBe(parent.expiresAt);
    const longer = await createKey(apiKey(parent.key), { scopes: ['users:read'], expiresInDays: 30 });
    expect(longer.expiresAt).toBe(parent.expiresAt);
    const shorter = await createKey(user.token, { scopes: ['users:read'], expiresInDays: 3650 });
    expect(Date.parse(shorter.expiresAt!)).toBeGreaterThan(Date.parse(parent.expiresAt!));
  });

  it('ends every key minted through a key when that key is revoked, down the generations', async () => {
    const user = await freshUser();
    const parent = await createKey(user.token, { scopes: ['apikeys:manage', 'users:read'] });
    const child = await createKey(apiKey(parent.key), { scopes: ['apikeys:manage', 'users:read'] });
    const grandchild = await createKey(apiKey(child.key), { scopes: ['users:read'] });
    const unrelated = await createKey(user.token, { scopes: ['users:read'] });
    expect((await me(grandchild.key)).status).toBe(200);

    expect((await call('apiKeys.revoke', 'mutation', { id: parent.id }, user.token)).status).toBe(200);
    for (const key of [parent, child, grandchild]) expect(authReason(await me(key.key))).toBe('revoked_token');
    expect((await me(unrelated.key)).status).toBe(200);
  });

  it('ends a user’s sessions and API keys together with admin.sessions.revokeAll', async () => {
    const user = await freshUser();
    const keys = [await createKey(user.token, { scopes: ['users:read'] }), await createKey(user.token, { scopes: ['users:read'] })];
    const response = await call('admin.sessions.revokeAll', 'mutation', { userId: user.id }, bearer(adminToken));
    expect(response.status).toBe(200);
    expect(response.body.result.data).toEqual({ revokedFamilies: 1, revokedApiKeys: 2 });
    for (const key of keys) expect(authReason(await me(key.key))).toBe('revoked_token');
    expect(authReason(await callProcedure(gatehouse.url, 'users.me', { headers: user.token }))).toBe('revoked_token');
  });

  it('lets an admin list and revoke any user’s keys, audited, and no one else', async () => {
    const user = await freshUser();
    const key = await createKey(user.token, { scopes: ['users:read'] });
    const listed = await call('admin.apiKeys.list', 'query', { userId: user.id }, bearer(adminToken));
    expect(listed.status).toBe(200);
    expect(listed.body.result.data.items.map((item: { id: string }) => item.id)).toEqual([key.id]);
    expect(JSON.stringify(listed.body)).not.toContain(key.key);

    const asUser = await call('admin.apiKeys.list', 'query', { userId: user.id }, user.token);
    expect(asUser.status).toBe(403);
    expect((await call('admin.apiKeys.revoke', 'mutation', { userId: user.id, id: key.id }, user.token)).status).toBe(403);
    const wrongOwner = await call('admin.apiKeys.revoke', 'mutation', { userId: (await freshUser()).id, id: key.id }, bearer(adminToken));
    expect(wrongOwner.status).toBe(404);
    expect((await me(key.key)).status).toBe(200);

    const revoked = await call('admin.apiKeys.revoke', 'mutation', { userId: user.id, id: key.id }, bearer(adminToken));
    expect(revoked.status).toBe(200);
    expect(revoked.body.result.data.id).toBe(key.id);
    expect(authReason(await me(key.key))).toBe('revoked_token');
    const record = await waitForAuditRecord(gatehouse.url, adminToken, 'apikey.revoked', (entry) => entry.details['keyId'] === key.id);
    expect(record.principal).toMatch(/^user:/);
    expect(record.details).toMatchObject({ ownerId: user.id, by: 'admin' });
  });

  it('answers introspection of an API key for a confidential client: active with scope, sub and exp, inactive once revoked', async () => {
    const user = await freshUser();
    const key = await createKey(user.token, { scopes: ['users:read', 'orders:read'], expiresInDays: 7 });
    const active = await introspect(key.key);
    expect(active.status).toBe(200);
    expect(active.body).toMatchObject({
      active: true,
      token_type: 'api_key',
      scope: 'users:read orders:read',
      sub: user.id,
      exp: Math.floor(Date.parse(key.expiresAt!) / 1000),
    });
    await call('apiKeys.revoke', 'mutation', { id: key.id }, user.token);
    expect(await introspect(key.key)).toEqual({ status: 200, body: { active: false } });
  });

  it('answers inactive for an expired, unknown or malformed API key, and refuses a public client', async () => {
    const user = await freshUser();
    const key = await createKey(user.token, { scopes: ['users:read'], expiresInDays: 1 });
    const unknown = `${key.key.slice(0, -10)}${'A'.repeat(10)}`;
    expect((await introspect(unknown)).body).toEqual({ active: false });
    expect((await introspect('gk_live_not-a-key')).body).toEqual({ active: false });
    const publicClient = await fetch(`${gatehouse.url}/oauth/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: key.key, client_id: 'web' }),
    });
    expect(publicClient.status).toBe(401);
    nowMs += 2 * DAY_MS;
    try {
      expect((await introspect(key.key)).body).toEqual({ active: false });
    } finally {
      nowMs -= 2 * DAY_MS;
    }
  });
});
