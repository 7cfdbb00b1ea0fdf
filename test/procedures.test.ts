import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisTestNamespace, type RedisTestNamespace } from '../apps/server/test-support/redis-test-namespace.js';
import { projectStores } from './support/default-store.js';
import { bearer, callProcedure, login } from './support/http.js';
import { redisEnv } from './support/redis-env.js';
import { authReason, registerUser } from './support/sessions.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { TEST_USERS } from './support/test-seed.js';

const ORDER = {
  items: [{ productId: 7, quantity: 2 }],
  shippingAddress: { line1: '12 Main Street, Apt. 4', city: 'Berlin', postalCode: '10115', country: 'DE' },
  paymentMethod: 'credit_card',
} as const;

// The same procedures on both stores (memory in the e2e project, Redis in e2e-redis): what users see must not
// depend on GATEHOUSE_STORE.
describe.each(projectStores())('on the %s store', (store) => {
  let gatehouse: RunningGatehouse;
  let namespace: RedisTestNamespace | undefined;
  let alice: { accessToken: string; user: { id: string } };
  let bob: { accessToken: string; user: { id: string } };
  let admin: { accessToken: string; user: { id: string } };

  beforeAll(async () => {
    namespace = store === 'redis' ? await createRedisTestNamespace('procedures') : undefined;
    gatehouse = await startGatehouse({ env: namespace === undefined ? {} : redisEnv(namespace) });
    [alice, bob, admin] = await Promise.all([
      login(gatehouse.url, TEST_USERS.alice),
      login(gatehouse.url, TEST_USERS.bob),
      login(gatehouse.url, TEST_USERS.admin),
    ]);
  });
  afterAll(async () => {
    await gatehouse.close();
    await namespace?.cleanup();
  });

  describe('health', () => {
    it('answers anyone', async () => {
      const response = await callProcedure(gatehouse.url, 'health');
      expect(response.status).toBe(200);
      expect(response.body.result.data.status).toBe('ok');
    });
  });

  describe('auth.register and auth.login', () => {
    it('registers a user with the user role and lets them log in', async () => {
      const email = `new-${randomUUID()}@test.gatehouse`;
      const registered = await callProcedure(gatehouse.url, 'auth.register', {
        kind: 'mutation',
        input: { email, password: 'a good long password', name: 'Newcomer' },
      });
      expect(registered.status).toBe(200);
      expect(registered.body.result.data).toMatchObject({ email, name: 'Newcomer', role: 'user' });
      expect(JSON.stringify(registered.body)).not.toMatch(/password|\$2[aby]\$/);

      const session = await login(gatehouse.url, { email, password: 'a good long password' });
      const me = await callProcedure(gatehouse.url, 'users.me', { headers: bearer(session.accessToken) });
      expect(me.body.result.data.email).toBe(email);
    });

    it('refuses passwords under 15 characters or over 72 bytes, naming the field', async () => {
      for (const password of ['short', 'é'.repeat(37)]) {
        const response = await callProcedure(gatehouse.url, 'auth.register', {
          kind: 'mutation',
          input: { email: `p-${randomUUID()}@test.gatehouse`, password, name: 'P' },
        });
        expect(response.status).toBe(400);
        expect(response.body.error.data.issues[0].path).toEqual(['password']);
      }
    });

    it('refuses a second account for the same email, whatever its case', async () => {
      const response = await callProcedure(gatehouse.url, 'auth.register', {
        kind: 'mutation',
        input: { email: TEST_USERS.alice.email.toUpperCase(), password: 'another password', name: 'Mallory' },
      });
      expect(response.status).toBe(409);
    });

    it('returns a bearer access token with the subject’s scopes and client_id gatehouse', async () => {
      const response = await callProcedure(gatehouse.url, 'auth.login', {
        kind: 'mutation',
        input: { email: TEST_USERS.alice.email, password: TEST_USERS.alice.password },
      });
      expect(response.status).toBe(200);
      const grant = response.body.result.data;
      expect(grant).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, user: { email: TEST_USERS.alice.email, role: 'user' } });
      expect(grant.scope.split(' ').sort()).toEqual(['apikeys:manage', 'orders:read', 'orders:write', 'users:read', 'users:write']);
      const claims = JSON.parse(Buffer.from(grant.accessToken.split('.')[1], 'base64url').toString());
      expect(claims.client_id).toBe('gatehouse');
    });

    it('answers an unknown email and a wrong password identically', async () => {
      const unknown = await callProcedure(gatehouse.url, 'auth.login', {
        kind: 'mutation',
        input: { email: 'nobody@test.gatehouse', password: 'whatever-password' },
      });
      const wrong = await callProcedure(gatehouse.url, 'auth.login', {
        kind: 'mutation',
        input: { email: TEST_USERS.alice.email, password: 'not-alices-password' },
      });
      for (const response of [unknown, wrong]) {
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe('Bearer realm="gatehouse"');
      }
      const strip = (body: { error: { data: Record<string, unknown> } }) => ({ ...body.error, data: { ...body.error.data, requestId: undefined } });
      expect(strip(unknown.body)).toEqual(strip(wrong.body));
      expect(unknown.body.error.data.auth).toEqual({ reason: 'invalid_credentials' });
    });
  });

  describe('users', () => {
    it('users.me returns the caller without secrets', async () => {
      const response = await callProcedure(gatehouse.url, 'users.me', { headers: bearer(alice.accessToken) });
      expect(response.status).toBe(200);
      expect(Object.keys(response.body.result.data).sort()).toEqual(['createdAt', 'email', 'id', 'name', 'role']);
    });

    it('users.byId: own record yes; another user’s record is NOT_FOUND exactly like a random id', async () => {
      const own = await callProcedure(gatehouse.url, 'users.byId', { input: { id: alice.user.id }, headers: bearer(alice.accessToken) });
      expect(own.status).toBe(200);
      const others = await callProcedure(gatehouse.url, 'users.byId', { input: { id: bob.user.id }, headers: bearer(alice.accessToken) });
      const random = await callProcedure(gatehouse.url, 'users.byId', { input: { id: randomUUID() }, headers: bearer(alice.accessToken) });
      expect(others.status).toBe(404);
      expect(random.status).toBe(404);
      expect({ ...others.body.error.data, requestId: 0 }).toEqual({ ...random.body.error.data, requestId: 0 });
      expect(others.body.error.message).toBe(random.body.error.message);
    });

    it('users.byId: an admin reads anyone', async () => {
      const response = await callProcedure(gatehouse.url, 'users.byId', { input: { id: bob.user.id }, headers: bearer(admin.accessToken) });
      expect(response.status).toBe(200);
      expect(response.body.result.data.email).toBe(TEST_USERS.bob.email);
    });

    it('users.update changes the name and refuses role, id or email, changing nothing', async () => {
      for (const sneaky of [{ name: 'Alice R', role: 'admin' }, { name: 'Alice R', id: bob.user.id }, { name: 'A', email: 'x@y.io' }]) {
        const refused = await callProcedure(gatehouse.url, 'users.update', { kind: 'mutation', input: sneaky, headers: bearer(alice.accessToken) });
        expect(refused.status).toBe(400);
      }
      const me = await callProcedure(gatehouse.url, 'users.me', { headers: bearer(alice.accessToken) });
      expect(me.body.result.data).toMatchObject({ name: 'Alice', role: 'user', email: TEST_USERS.alice.email });

      const updated = await callProcedure(gatehouse.url, 'users.update', { kind: 'mutation', input: { name: 'Alice Liddell' }, headers: bearer(alice.accessToken) });
      expect(updated.body.result.data.name).toBe('Alice Liddell');
      await callProcedure(gatehouse.url, 'users.update', { kind: 'mutation', input: { name: 'Alice' }, headers: bearer(alice.accessToken) });
    });
  });

  describe('orders', () => {
    it('creates, lists with a cursor and reads the caller’s orders', async () => {
      // A fresh account: the list must hold exactly these three orders, whatever ran before.
      const owner = await registerUser(gatehouse.url);
      const bob = { accessToken: (await login(gatehouse.url, owner)).accessToken, user: { id: owner.id } };
      const created = [];
      for (let index = 0; index < 3; index += 1) {
        const response = await callProcedure(gatehouse.url, 'orders.create', { kind: 'mutation', input: ORDER, headers: bearer(bob.accessToken) });
        expect(response.status).toBe(200);
        created.push(response.body.result.data);
      }
      expect(created[0]).toMatchObject({ ownerId: bob.user.id, status: 'pending', paymentMethod: 'credit_card' });

      const first = await callProcedure(gatehouse.url, 'orders.list', { input: { limit: 2 }, headers: bearer(bob.accessToken) });
      expect(first.body.result.data.items.map((order: { id: string }) => order.id)).toEqual([created[2].id, created[1].id]);
      const second = await callProcedure(gatehouse.url, 'orders.list', {
        input: { limit: 2, cursor: first.body.result.data.nextCursor },
        headers: bearer(bob.accessToken),
      });
      expect(second.body.result.data.items.map((order: { id: string }) => order.id)).toEqual([created[0].id]);
      expect(second.body.result.data.nextCursor).toBeNull();

      const one = await callProcedure(gatehouse.url, 'orders.byId', { input: { id: created[0].id }, headers: bearer(bob.accessToken) });
      expect(one.body.result.data.id).toBe(created[0].id);
    });

    it('hides another user’s order behind the same NOT_FOUND as a random id; admins see it', async () => {
      const order = await callProcedure(gatehouse.url, 'orders.create', { kind: 'mutation', input: ORDER, headers: bearer(bob.accessToken) });
      const id = order.body.result.data.id;
      const others = await callProcedure(gatehouse.url, 'orders.byId', { input: { id }, headers: bearer(alice.accessToken) });
      const random = await callProcedure(gatehouse.url, 'orders.byId', { input: { id: randomUUID() }, headers: bearer(alice.accessToken) });
      expect(others.status).toBe(404);
      expect({ ...others.body.error.data, requestId: 0 }).toEqual({ ...random.body.error.data, requestId: 0 });
      const asAdmin = await callProcedure(gatehouse.url, 'orders.byId', { input: { id }, headers: bearer(admin.accessToken) });
      expect(asAdmin.status).toBe(200);
      const aliceList = await callProcedure(gatehouse.url, 'orders.list', { headers: bearer(alice.accessToken) });
      expect(aliceList.body.result.data.items.some((item: { id: string }) => item.id === id)).toBe(false);
    });

    it('refuses a forged cursor with 400', async () => {
      // An order to page over, so the cursor is read whatever ran before.
      expect((await callProcedure(gatehouse.url, 'orders.create', { kind: 'mutation', input: ORDER, headers: bearer(bob.accessToken) })).status).toBe(200);
      const response = await callProcedure(gatehouse.url, 'orders.list', { input: { cursor: 'bm90LWEtY3Vyc29y' }, headers: bearer(bob.accessToken) });
      expect(response.status).toBe(400);
    });

    const invalidOrders: Array<[string, unknown]> = [
      ['no items', { ...ORDER, items: [] }],
      ['101 items', { ...ORDER, items: Array.from({ length: 101 }, () => ({ productId: 1, quantity: 1 })) }],
      ['productId 0', { ...ORDER, items: [{ productId: 0, quantity: 1 }] }],
      ['fractional productId', { ...ORDER, items: [{ productId: 1.5, quantity: 1 }] }],
      ['quantity 0', { ...ORDER, items: [{ productId: 1, quantity: 0 }] }],
      ['quantity 1001', { ...ORDER, items: [{ productId: 1, quantity: 1001 }] }],
      ['address line with <script>', { ...ORDER, shippingAddress: { ...ORDER.shippingAddress, line1: '<script>alert(1)</script>' } }],
      ['address line too short', { ...ORDER, shippingAddress: { ...ORDER.shippingAddress, line1: 'abc' } }],
      ['address line of 201 characters', { ...ORDER, shippingAddress: { ...ORDER.shippingAddress, line1: 'a'.repeat(201) } }],
      ['unknown payment method', { ...ORDER, paymentMethod: 'bitcoin' }],
      ['unknown key', { ...ORDER, ownerId: randomUUID() }],
    ];
    it.each(invalidOrders)('refuses an order with %s (400, nothing stored)', async (_label, input) => {
      const before = await callProcedure(gatehouse.url, 'orders.list', { input: { limit: 100 }, headers: bearer(alice.accessToken) });
      const response = await callProcedure(gatehouse.url, 'orders.create', { kind: 'mutation', input, headers: bearer(alice.accessToken) });
      expect(response.status).toBe(400);
      expect(response.body.error.data.issues.length).toBeGreaterThan(0);
      const after = await callProcedure(gatehouse.url, 'orders.list', { input: { limit: 100 }, headers: bearer(alice.accessToken) });
      expect(after.body.result.data.items).toHaveLength(before.body.result.data.items.length);
    });
  });

  describe('admin', () => {
    const setRole = (userId: string, role: 'user' | 'admin', token = admin.accessToken) =>
      callProcedure(gatehouse.url, 'admin.users.setRole', { kind: 'mutation', input: { userId, role }, headers: bearer(token) });

    it('lists users and changes a role; a user calling either gets 403', async () => {
      // A fresh account to promote: a role change ends its sessions, which must touch no other test's user.
      const promotee = await registerUser(gatehouse.url);
      const list = await callProcedure(gatehouse.url, 'admin.users.list', { input: { limit: 100 }, headers: bearer(admin.accessToken) });
      expect(list.status).toBe(200);
      expect(list.body.result.data.items.map((user: { email: string }) => user.email)).toContain(TEST_USERS.bob.email);

      const listedByUser = await callProcedure(gatehouse.url, 'admin.users.list', { headers: bearer(alice.accessToken) });
      expect(listedByUser.status).toBe(403);
      expect(listedByUser.body.error.data.auth).toMatchObject({ reason: 'insufficient_scope', missingScopes: ['admin'] });
      const denied = await setRole(promotee.id, 'admin', alice.accessToken);
      expect(denied.status).toBe(403);
      expect(denied.body.error.data.auth).toMatchObject({ reason: 'insufficient_scope', missingScopes: ['admin'] });

      const promoted = await setRole(promotee.id, 'admin');
      expect(promoted.status).toBe(200);
      expect(promoted.body.result.data.role).toBe('admin');
      const demoted = await setRole(promotee.id, 'user');
      expect(demoted.body.result.data.role).toBe('user');
    });

    it('refuses a demoted admin’s token: the role change revokes it (401), and the role check refuses it where it outlives the change (403)', async () => {
      const account = await registerUser(gatehouse.url);
      expect((await setRole(account.id, 'admin')).status).toBe(200);
      const revokedByChange = await login(gatehouse.url, account);
      expect((await setRole(account.id, 'user')).status).toBe(200);
      const revoked = await callProcedure(gatehouse.url, 'admin.users.list', { headers: bearer(revokedByChange.accessToken) });
      // Issue 4: a role change ends the user's live tokens, whose scopes are stale.
      expect(revoked.status).toBe(401);
      expect(authReason(revoked)).toBe('revoked_token');

      // A role changed in the records without admin.users.setRole (an operator's edit) ends no session:
      // the token still holds the admin scope, and only the role requirement refuses it.
      expect((await setRole(account.id, 'admin')).status).toBe(200);
      const outliving = await login(gatehouse.url, account);
      expect(outliving.accessToken).not.toBe(revokedByChange.accessToken);
      await gatehouse.server.deps.users.setRole(account.id, 'user');
      const refused = await callProcedure(gatehouse.url, 'admin.users.list', { headers: bearer(outliving.accessToken) });
      expect(refused.status).toBe(403);
      expect(authReason(refused)).toBe('forbidden_role');
    });
  });

  describe('the wire', () => {
    it('refuses credentials in the query string with 400, even beside a valid header, and never logs them', async () => {
      for (const parameter of ['access_token', 'api_key', 'apiKey', 'token']) {
        const response = await callProcedure(gatehouse.url, 'users.me', {
          headers: bearer(alice.accessToken),
          query: `${parameter}=leaked-secret-${parameter}`,
        });
        expect(response.status).toBe(400);
        expect(response.body.error.message).toMatch(/query string/);
      }
      expect(gatehouse.logLines().join('\n')).not.toMatch(/leaked-secret/);
    });

    it('refuses unknown keys everywhere with 400', async () => {
      const response = await callProcedure(gatehouse.url, 'users.byId', { input: { id: alice.user.id, extra: 1 }, headers: bearer(alice.accessToken) });
      expect(response.status).toBe(400);
    });

    it('gives every response a request id, also inside error data', async () => {
      const response = await callProcedure(gatehouse.url, 'users.me');
      const requestId = response.headers.get('x-request-id');
      expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(response.body.error.data.requestId).toBe(requestId);
    });

    it('never sends a stack trace', async () => {
      const response = await callProcedure(gatehouse.url, 'users.me', { headers: bearer('garbage') });
      expect(JSON.stringify(response.body)).not.toMatch(/stack|\.ts:\d+/);
    });

    it('never logs an Authorization header or a password', async () => {
      await login(gatehouse.url, TEST_USERS.alice);
      await callProcedure(gatehouse.url, 'users.me', { headers: bearer(alice.accessToken) });
      const logged = gatehouse.logLines().join('\n');
      expect(logged).not.toContain(alice.accessToken);
      expect(logged).not.toContain(TEST_USERS.alice.password);
    });
  });
});
