import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit, waitForAuditRecord, type ListedRecord } from './support/audit.js';
import { bearer, callProcedure, login } from './support/http.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { memoryVariant, redisVariant, serverRunsOnRedis, type StoreVariant } from './support/store-variants.js';
import { TEST_USERS } from './support/test-seed.js';

type Session = { accessToken: string; user: { id: string } };

interface World {
  readonly url: string;
  readonly alice: Session;
  readonly bob: Session;
  readonly admin: Session;
}

/**
 * One row per SPEC security event this branch produces: the action that
 * must produce it, and what its record must say. Events that arrive with
 * other branches (login.blocked, ratelimit.exceeded, token.*, apikey.*) add
 * a row here. Rows run in order; abuse rows come last because they switch
 * the server into its defensive modes.
 */
const EVENT_CASES: ReadonlyArray<{
  readonly type: string;
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
    type: 'abuse.enumeration',
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
    expected: () => ({ principal: null, details: { distinctEmails: 6, windowSeconds: 60 } }),
  },
];

const ABUSE_ENV = {
  GATEHOUSE_TRUST_PROXY: '127.0.0.1',
  GATEHOUSE_ENUMERATION_LIMIT: '3/60',
  GATEHOUSE_ENUMERATION_BLOCK: '60',
  GATEHOUSE_STUFFING_THRESHOLD: '6/4/4',
  GATEHOUSE_STUFFING_WINDOW: '60',
};

const variants: StoreVariant[] = [memoryVariant()];
if (await serverRunsOnRedis()) variants.push(redisVariant('audit-e2e'));

describe.each(variants)('audit log on the $name store', (variant) => {
  let gatehouse: RunningGatehouse;
  let world: World;

  beforeAll(async () => {
    gatehouse = await startGatehouse({ env: { ...ABUSE_ENV, ...(await variant.env()) } });
    const [alice, bob, admin] = await Promise.all([TEST_USERS.alice, TEST_USERS.bob, TEST_USERS.admin].map((user) => login(gatehouse.url, user)));
    world = { url: gatehouse.url, alice: alice as Session, bob: bob as Session, admin: admin as Session };
  });
  afterAll(async () => {
    await gatehouse.close();
    await variant.cleanup();
  });

  it.each(EVENT_CASES)('records $type when its action happens, readable through admin.auditLog.list', async (row) => {
    const before = new Date().toISOString();
    await row.produce(world);
    const { details, ...fields } = row.expected(world);
    const record = await waitForAuditRecord(world.url, world.admin.accessToken, row.type, (candidate) => candidate.time >= before);
    expect(record).toMatchObject({ type: row.type, ...fields });
    if (details !== undefined) expect(record.details).toMatchObject(details);
    expect(record.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(record.ip).not.toBe('');
  });

  it('never keeps a password or token in a record', async () => {
    const all = await listAudit(world.url, world.admin.accessToken, { limit: 100 });
    const text = JSON.stringify(all);
    expect(text).not.toContain('leaked-password');
    expect(text).not.toContain('wrong-password-1');
    expect(text).not.toContain(world.alice.accessToken);
  });

  it('pages newest first and filters by principal', async () => {
    const principal = `user:${world.alice.user.id}`;
    const first = await listAudit(world.url, world.admin.accessToken, { principal, limit: 1 });
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).not.toBeNull();
    const second = await listAudit(world.url, world.admin.accessToken, { principal, limit: 1, cursor: first.nextCursor });
    expect(second.items[0]?.sequence).toBeLessThan(first.items[0]?.sequence ?? 0);
    for (const record of [...first.items, ...second.items]) expect(record.principal).toBe(principal);
  });

  it('verifies the hash chain through admin.auditLog.verify', async () => {
    const response = await callProcedure(world.url, 'admin.auditLog.verify', { headers: bearer(world.admin.accessToken) });
    expect(response.status).toBe(200);
    expect(response.body.result.data).toMatchObject({ intact: true, checkedFrom: 0, firstBreak: null });
    expect(response.body.result.data.checked).toBeGreaterThanOrEqual(EVENT_CASES.length);
  });

  it('is for admins only: a user gets 403, an anonymous caller 401', async () => {
    // A fresh login: an earlier case changed Bob's role, which (issue 4) ended his older sessions.
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
