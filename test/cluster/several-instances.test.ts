import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisTestNamespace, testClusterNodes, type RedisTestNamespace } from '../../apps/server/test-support/redis-test-namespace.js';
import { bearer, callProcedure, type RawResponse } from '../support/http.js';
import { redisEnv } from '../support/redis-env.js';
import { authReason, refreshWithBody } from '../support/sessions.js';
import { TEST_USERS } from '../support/test-seed.js';
import { startInstances, type GatehouseInstances } from './start-instances.js';

/** Every test acts from its own client address, so per-IP budgets of one test never touch another's. */
// Each call its own address: the test that spends auth.register's per-IP budget must not share one with the others.
let lastHost = 0;
const clientIp = () => {
  lastHost += 1;
  return `198.51.${100 + Math.floor(lastHost / 250)}.${(lastHost % 250) + 1}`;
};

const store = testClusterNodes() === undefined ? 'one Redis' : 'a Redis Cluster';

describe(`three Gatehouse processes on ${store}, behind one round-robin address`, () => {
  let namespace: RedisTestNamespace;
  let gatehouses: GatehouseInstances;
  const through = (path: string, options: Parameters<typeof callProcedure>[2] = {}) => callProcedure(gatehouses.proxy.url, path, options);
  const at = (index: number, path: string, options: Parameters<typeof callProcedure>[2] = {}) =>
    callProcedure(gatehouses.instances[index]?.url ?? '', path, options);

  async function newSession(ip = clientIp()): Promise<{ accessToken: string; refreshToken: string; userId: string }> {
    const credentials = { email: `many-${randomUUID()}@test.gatehouse`, password: 'several instances password' };
    const headers = { 'x-forwarded-for': ip };
    const registered = await through('auth.register', { kind: 'mutation', input: { ...credentials, name: 'Many' }, headers });
    expect(registered.status).toBe(200);
    const login = await through('auth.login', { kind: 'mutation', input: credentials, headers });
    expect(login.status).toBe(200);
    const grant = login.body.result.data;
    return { accessToken: grant.accessToken, refreshToken: grant.refreshToken, userId: grant.user.id };
  }

  beforeAll(async () => {
    namespace = await createRedisTestNamespace('instances');
    gatehouses = await startInstances(3, { ...redisEnv(namespace), GATEHOUSE_LIMIT_PUBLIC: '100000/3600' });
  }, 150_000);
  afterAll(async () => {
    await gatehouses?.close();
    await namespace?.cleanup();
  });

  it('verifies a token issued by one instance on every other (one keys file, one issuer)', async () => {
    const session = await newSession();
    for (let index = 0; index < 3; index += 1) {
      const me = await at(index, 'users.me', { headers: bearer(session.accessToken) });
      expect(me.status, `instance ${index}`).toBe(200);
      expect(me.body.result.data.id).toBe(session.userId);
    }
  });

  it('shares a limit exactly: auth.register allows 10 per hour per IP across all three, then 429', async () => {
    const headers = { 'x-forwarded-for': clientIp() };
    const register = () =>
      through('auth.register', { kind: 'mutation', input: { email: `limit-${randomUUID()}@test.gatehouse`, password: 'several instances password', name: 'L' }, headers });
    const before = gatehouses.proxy.counts();
    const statuses = (await Promise.all(Array.from({ length: 13 }, register))).map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(3);
    // Round robin really spread them: every instance answered some.
    const after = gatehouses.proxy.counts();
    for (let index = 0; index < 3; index += 1) expect((after[index] ?? 0) - (before[index] ?? 0)).toBeGreaterThanOrEqual(4);
  });

  it('refuses a token on the other instances on the very next call once one instance revoked it', async () => {
    const session = await newSession();
    // The others have just accepted it: on one Redis each then holds a "not revoked" verdict until the
    // revocation feed says a marker changed, so this is the case where a stale instance would let it through.
    for (const index of [1, 2]) expect((await at(index, 'users.me', { headers: bearer(session.accessToken) })).status, `instance ${index}`).toBe(200);
    const logout = await at(0, 'auth.logout', { kind: 'mutation', input: { refreshToken: session.refreshToken }, headers: bearer(session.accessToken) });
    expect(logout.status).toBe(200);
    for (const index of [1, 2]) {
      const me = await at(index, 'users.me', { headers: bearer(session.accessToken) });
      expect(me.status, `instance ${index}`).toBe(401);
      expect(authReason(me)).toBe('revoked_token');
    }
  });

  it('answers users.me with the record one instance just changed, on every other instance’s very next call', async () => {
    const session = await newSession();
    // The others have just read the record: on one Redis each now holds it until Redis announces a write to it.
    for (const index of [1, 2]) expect((await at(index, 'users.me', { headers: bearer(session.accessToken) })).body.result.data.name).toBe('Many');
    const renamed = await at(0, 'users.update', { kind: 'mutation', input: { name: 'Renamed' }, headers: bearer(session.accessToken) });
    expect(renamed.status).toBe(200);
    for (const index of [1, 2]) {
      const me = await at(index, 'users.me', { headers: bearer(session.accessToken) });
      expect(me.body.result.data.name, `instance ${index}`).toBe('Renamed');
    }
  });

  it('gives one success and a reuse detection to concurrent refreshes of one token through different instances', async () => {
    const session = await newSession();
    const answers: RawResponse[] = await Promise.all([0, 1, 2].map((index) => refreshWithBody(gatehouses.instances[index]?.url ?? '', session.refreshToken)));
    const succeeded = answers.filter((answer) => answer.status === 200);
    expect(succeeded).toHaveLength(1);
    for (const refused of answers.filter((answer) => answer.status !== 200)) {
      expect(refused.status).toBe(401);
      expect(authReason(refused)).toBe('revoked_token');
    }
    // Reuse ended the family: even the one successor is refused, on every instance.
    const successor = succeeded[0]?.body.result.data.refreshToken as string;
    expect((await refreshWithBody(gatehouses.instances[2]?.url ?? '', successor)).status).toBe(401);
  });

  it('keeps one audit chain that verifies, written by all three', async () => {
    const admin = await through('auth.login', { kind: 'mutation', input: { email: TEST_USERS.admin.email, password: TEST_USERS.admin.password }, headers: { 'x-forwarded-for': clientIp() } });
    expect(admin.status).toBe(200);
    const token = admin.body.result.data.accessToken as string;
    for (let index = 0; index < 3; index += 1) await newSession();
    const reuse = await newSession();
    await refreshWithBody(gatehouses.instances[0]?.url ?? '', reuse.refreshToken);
    await refreshWithBody(gatehouses.instances[1]?.url ?? '', reuse.refreshToken);
    for (let index = 0; index < 3; index += 1) {
      const verified = await at(index, 'admin.auditLog.verify', { headers: bearer(token) });
      expect(verified.status).toBe(200);
      expect(verified.body.result.data).toMatchObject({ intact: true, firstBreak: null });
      expect(verified.body.result.data.checked).toBeGreaterThanOrEqual(8);
    }
    const reuses = await through('admin.auditLog.list', { input: { type: 'token.reuse_detected' }, headers: bearer(token) });
    expect(reuses.body.result.data.items.length).toBeGreaterThanOrEqual(1);
  });
});
