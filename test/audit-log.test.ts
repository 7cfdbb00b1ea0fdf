import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit, waitForAuditRecord, type ListedRecord } from './support/audit.js';
import { projectStores } from './support/default-store.js';
import { bearer, callProcedure, login } from './support/http.js';
import { authReason, loginForSession, refreshWithBody } from './support/sessions.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { memoryVariant, redisVariant, type StoreVariant } from './support/store-variants.js';
import { TEST_USERS } from './support/test-seed.js';

type Session = { accessToken: string; user: { id: string } };

interface World {
  readonly url: string;
  readonly alice: Session;
  readonly bob: Session;
  readonly admin: Session;
  /** What a row's action produced that its expectation names (the id of the key it created). */
  readonly carried: { apiKeyId?: string };
}

/** A victim of the brute-force row, and the client IPs rows speak from (GATEHOUSE_TRUST_PROXY trusts loopback). */
const BLOCKED_EMAIL = 'brute-forced@test.gatehouse';
const BLOCKED_IP = '198.51.100.61';
const FLOODING_IP = '198.51.100.60';

/**
 * One row per way a security event is produced: the real action that
 * must produce it, and what its record must say. Each row stands alone, so
 * rows pass in any order and under -t. Abuse rows are `isolated`: they get a
 * server of their own, because they count what every request did in their
 * window and switch the server into its defensive modes.
 */
const EVENT_CASES: ReadonlyArray<{
  readonly type: string;
  readonly isolated?: true;
  readonly produce: (world: World) => Promise<void>;
  readonly expected: (world: World) => Partial<ListedRecord> & { details?: Record<string, unknown> };
}> = [
  {
    type: 'login.succeeded',
    produce: async ({ url }) => void (await login(url, TEST_USERS.alice)),
    expected: ({ alice }) => ({ principal: `user:${alice.user.id}`, details: { email: TEST_USERS.alice.email } }),
  },
  {
    type: 'login.failed',
    produce: async ({ url }) => {
      const response = await callProcedure(url, 'auth.login', { kind: 'mutation', input: { email: TEST_USERS.bob.email, password: 'wrong-password-1' } });
      expect(response.status).toBe(401);
    },
    expected: () => ({ principal: null, details: { email: TEST_USERS.bob.email } }),
  },
  {
    type: 'authz.denied',
    produce: async ({ url, alice }) => {
      const response = await callProcedure(url, 'admin.users.list', { headers: bearer(alice.accessToken) });
      expect(response.status).toBe(403);
    },
    expected: ({ alice }) => ({ principal: `user:${alice.user.id}`, details: { path: 'admin.users.list', reason: 'insufficient_scope' } }),
  },
  {
    type: 'user.role_changed',
    produce: async ({ url, admin, bob }) => {
      for (const role of ['admin', 'user']) {
        const response = await callProcedure(url, 'admin.users.setRole', { kind: 'mutation', input: { userId: bob.user.id, role }, headers: bearer(admin.accessToken) });
        expect(response.status).toBe(200);
      }
    },
    expected: ({ admin, bob }) => ({ principal: `user:${admin.user.id}`, details: { userId: bob.user.id, from: 'admin', to: 'user' } }), // the newest of the two changes
  },
  {
    type: 'login.blocked',
    produce: async ({ url }) => {
      // docs/rate-limits.md: five wrong passwords for one email and IP answer 401; the sixth attempt is refused.
      for (let attempt = 1; attempt <= 6; attempt += 1) {
        const response = await callProcedure(url, 'auth.login', {
          kind: 'mutation',
          input: { email: BLOCKED_EMAIL, password: `wrong-password-${attempt}` },
          headers: { 'x-forwarded-for': BLOCKED_IP },
        });
        expect(response.status).toBe(attempt <= 5 ? 401 : 429);
      }
    },
    expected: () => ({ ip: BLOCKED_IP, principal: null, details: { email: BLOCKED_EMAIL, policy: 'auth.login:email+ip' } }),
  },
  {
    type: 'ratelimit.exceeded',
    produce: async ({ url }) => {
      // auth.register's contract allows 10 per hour per IP, counted before input parsing: the eleventh is a 429.
      for (let attempt = 1; attempt <= 11; attempt += 1) {
        const response = await callProcedure(url, 'auth.register', { kind: 'mutation', input: {}, headers: { 'x-forwarded-for': FLOODING_IP } });
        expect(response.status).toBe(attempt <= 10 ? 400 : 429);
      }
    },
    expected: () => ({ ip: FLOODING_IP, principal: null, details: { path: 'auth.register', policy: 'auth.register' } }),
  },
  {
    type: 'token.refreshed',
    produce: async ({ url }) => {
      const session = await loginForSession(url, TEST_USERS.alice);
      expect((await refreshWithBody(url, session.refreshToken)).status).toBe(200);
    },
    expected: ({ alice }) => ({ principal: `user:${alice.user.id}`, details: { clientId: 'gatehouse' } }),
  },
  {
    type: 'token.reuse_detected',
    produce: async ({ url }) => {
      const session = await loginForSession(url, TEST_USERS.alice);
      expect((await refreshWithBody(url, session.refreshToken)).status).toBe(200);
      const replayed = await refreshWithBody(url, session.refreshToken);
      expect(authReason(replayed)).toBe('revoked_token');
    },
    expected: ({ alice }) => ({ principal: `user:${alice.user.id}`, details: { clientId: 'gatehouse', firstUseIp: '127.0.0.1' } }),
  },
  {
    type: 'token.revoked',
    produce: async ({ url }) => {
      const session = await loginForSession(url, TEST_USERS.alice);
      expect((await callProcedure(url, 'auth.logout', { kind: 'mutation', headers: bearer(session.accessToken) })).status).toBe(200);
    },
    expected: ({ alice }) => ({ principal: `user:${alice.user.id}`, details: { reason: 'logout' } }),
  },
  {
    type: 'token.revoked',
    produce: async ({ url, admin, bob }) => {
      const response = await callProcedure(url, 'admin.sessions.revokeAll', { kind: 'mutation', input: { userId: bob.user.id }, headers: bearer(admin.accessToken) });
      expect(response.status).toBe(200);
    },
    expected: ({ admin, bob }) => ({ principal: `user:${admin.user.id}`, details: { reason: 'admin.sessions.revokeAll', userId: bob.user.id } }),
  },
  {
    type: 'apikey.created',
    produce: async ({ url, alice, carried }) => {
      const response = await callProcedure(url, 'apiKeys.create', {
        kind: 'mutation',
        input: { name: 'audit row', scopes: ['orders:read'] },
        headers: bearer(alice.accessToken),
      });
      expect(response.status).toBe(200);
      carried.apiKeyId = response.body.result.data.id;
    },
    expected: ({ alice, carried }) => ({
      principal: `user:${alice.user.id}`,
      details: { keyId: carried.apiKeyId, ownerId: alice.user.id, scopes: ['orders:read'] },
    }),
  },
  {
    type: 'apikey.revoked',
    produce: async ({ url, alice, carried }) => {
      const created = await callProcedure(url, 'apiKeys.create', {
        kind: 'mutation',
        input: { name: 'audit row to revoke', scopes: ['orders:read'] },
        headers: bearer(alice.accessToken),
      });
      carried.apiKeyId = created.body.result.data.id;
      const response = await callProcedure(url, 'apiKeys.revoke', { kind: 'mutation', input: { id: carried.apiKeyId }, headers: bearer(alice.accessToken) });
      expect(response.status).toBe(200);
    },
    expected: ({ alice, carried }) => ({ principal: `user:${alice.user.id}`, details: { keyId: carried.apiKeyId, ownerId: alice.user.id } }),
  },
  {
    type: 'abuse.enumeration',
    isolated: true,
    produce: async ({ url, alice }) => {
      // GATEHOUSE_ENUMERATION_LIMIT=3/60: the fourth miss crosses it.
      for (let attempt = 0; attempt < 4; attempt += 1) {
        await callProcedure(url, 'orders.byId', { input: { id: randomUUID() }, headers: { ...bearer(alice.accessToken), 'x-forwarded-for': '198.51.100.50' } });
      }
    },
    // Raised once per subject caught: here both the IP and alice.
    expected: ({ alice }) => ({ ip: '198.51.100.50', principal: `user:${alice.user.id}`, details: { path: 'orders.byId', misses: 4 } }),
  },
  {
    type: 'abuse.credential_stuffing',
    isolated: true,
    produce: async ({ url }) => {
      // GATEHOUSE_STUFFING_THRESHOLD=6/4/4: six failures, four emails, four IPs.
      for (let attempt = 0; attempt < 6; attempt += 1) {
        await callProcedure(url, 'auth.login', {
          kind: 'mutation',
          input: { email: `victim-${attempt}@test.gatehouse`, password: 'leaked-password' },
          headers: { 'x-forwarded-for': `203.0.113.${attempt + 10}` },
        });
      }
    },
    // On a server of its own, the sixth failure crosses 6/4/4, from the sixth victim's IP.
    expected: () => ({ principal: null, ip: '203.0.113.15', details: { failures: 6, distinctEmails: 6, distinctIps: 6, windowSeconds: 60 } }),
  },
];

const ABUSE_ENV = {
  GATEHOUSE_TRUST_PROXY: '127.0.0.1',
  GATEHOUSE_ENUMERATION_LIMIT: '3/60',
  GATEHOUSE_ENUMERATION_BLOCK: '60',
  GATEHOUSE_STUFFING_THRESHOLD: '6/4/4',
  GATEHOUSE_STUFFING_WINDOW: '60',
};

/** A server on a store of its own, with the three seeded users signed in. */
async function startWorld(variant: StoreVariant): Promise<{ world: World; close(): Promise<void> }> {
  const gatehouse = await startGatehouse({ env: { ...ABUSE_ENV, ...(await variant.env()) } });
  const [alice, bob, admin] = await Promise.all([TEST_USERS.alice, TEST_USERS.bob, TEST_USERS.admin].map((user) => login(gatehouse.url, user)));
  const world = { url: gatehouse.url, alice: alice as Session, bob: bob as Session, admin: admin as Session, carried: {} };
  return {
    world,
    async close() {
      await gatehouse.close();
      await variant.cleanup();
    },
  };
}

describe.each(projectStores())('audit log on the %s store', (storeName) => {
  const variantNamed = (name: string): StoreVariant => (storeName === 'redis' ? redisVariant(name) : memoryVariant());
  let shared: Awaited<ReturnType<typeof startWorld>>;
  let world: World;

  beforeAll(async () => {
    shared = await startWorld(variantNamed('audit-e2e'));
    world = shared.world;
  });
  afterAll(() => shared.close());

  it.each(EVENT_CASES)('records $type when its action happens, readable through admin.auditLog.list', async (row) => {
    const own = row.isolated === true ? await startWorld(variantNamed(`audit-e2e-${row.type}`)) : undefined;
    const world = own?.world ?? shared.world;
    try {
      await expectRecorded(row, { ...world, carried: {} });
    } finally {
      await own?.close();
    }
  });

  async function expectRecorded(row: (typeof EVENT_CASES)[number], world: World): Promise<void> {
    const before = new Date().toISOString();
    await row.produce(world);
    const { details, ...fields } = row.expected(world);
    const record = await waitForAuditRecord(world.url, world.admin.accessToken, row.type, (candidate) => candidate.time >= before);
    expect(record).toMatchObject({ type: row.type, ...fields });
    if (details !== undefined) expect(record.details).toMatchObject(details);
    // Every record has time, type, ip, principal (if any) and requestId (docs/operations.md, "The audit log").
    expect(Date.parse(record.time)).toBeGreaterThanOrEqual(Date.parse(before));
    expect(record.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(record.ip).not.toBe('');
  }

  it('never keeps a password or token in a record', async () => {
    const password = `leaked-password-${randomUUID()}`;
    const failed = await callProcedure(world.url, 'auth.login', { kind: 'mutation', input: { email: TEST_USERS.bob.email, password } });
    expect(failed.status).toBe(401);
    const session = await loginForSession(world.url, TEST_USERS.alice);
    const created = await callProcedure(world.url, 'apiKeys.create', {
      kind: 'mutation',
      input: { name: 'never audited', scopes: ['orders:read'] },
      headers: bearer(session.accessToken),
    });
    expect(created.status).toBe(200);
    const apiKey: string = created.body.result.data.key;
    await waitForAuditRecord(world.url, world.admin.accessToken, 'apikey.created', (record) => record.details['keyId'] === created.body.result.data.id);
    await waitForAuditRecord(world.url, world.admin.accessToken, 'login.failed', (record) => record.details['email'] === TEST_USERS.bob.email);

    const text = JSON.stringify(await listAudit(world.url, world.admin.accessToken, { limit: 100 }));
    for (const secret of [password, session.accessToken, session.refreshToken, apiKey]) expect(text).not.toContain(secret);
  });

  it('pages newest first and filters by principal', async () => {
    for (let signIn = 0; signIn < 2; signIn += 1) await login(world.url, TEST_USERS.alice);
    const principal = `user:${world.alice.user.id}`;
    const first = await listAudit(world.url, world.admin.accessToken, { principal, limit: 1 });
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).not.toBeNull();
    const second = await listAudit(world.url, world.admin.accessToken, { principal, limit: 1, cursor: first.nextCursor });
    expect(second.items[0]?.sequence).toBeLessThan(first.items[0]?.sequence ?? 0);
    for (const record of [...first.items, ...second.items]) expect(record.principal).toBe(principal);
  });

  it('verifies the hash chain through admin.auditLog.verify', async () => {
    const before = new Date().toISOString();
    for (let signIn = 0; signIn < 3; signIn += 1) await login(world.url, TEST_USERS.bob);
    await waitForAuditRecord(world.url, world.admin.accessToken, 'login.succeeded', (record) => record.time >= before);
    const response = await callProcedure(world.url, 'admin.auditLog.verify', { headers: bearer(world.admin.accessToken) });
    expect(response.status).toBe(200);
    expect(response.body.result.data).toMatchObject({ intact: true, checkedFrom: 0, firstBreak: null });
    // The three sign-ins above and the three of beforeAll, at least.
    expect(response.body.result.data.checked).toBeGreaterThanOrEqual(6);
  });

  it('is for admins only: a user gets 403, an anonymous caller 401', async () => {
    // A fresh login: a row may have changed Bob's role, which (issue 4) ended his older sessions.
    const bob = await login(world.url, TEST_USERS.bob);
    const asUser = await callProcedure(world.url, 'admin.auditLog.list', { headers: bearer(bob.accessToken) });
    expect(asUser.status).toBe(403);
    const anonymous = await callProcedure(world.url, 'admin.auditLog.verify');
    expect(anonymous.status).toBe(401);
  });

  it('refuses an unknown event type or a malformed principal filter with 400', async () => {
    for (const input of [{ type: 'login.exploded' }, { principal: 'not a principal' }, { principal: `user:${'x'.repeat(500)}` }]) {
      const response = await callProcedure(world.url, 'admin.auditLog.list', { input, headers: bearer(world.admin.accessToken) });
      expect(response.status).toBe(400);
    }
  });
});
