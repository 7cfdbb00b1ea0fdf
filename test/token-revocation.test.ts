import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testClusterNodes } from '../apps/server/test-support/redis-test-namespace.js';
import { projectStores } from './support/default-store.js';
import { bearer, callProcedure, login } from './support/http.js';
import { authReason, loginForSession, refreshWithBody, registerUser, type Session } from './support/sessions.js';
import { TEST_USERS } from './support/test-seed.js';
import { startOnBackend, type GatehouseOnBackend } from './support/token-store-backends.js';

describe.each(projectStores())('revocation on the %s store', (backend) => {
  let gatehouse: GatehouseOnBackend;
  let adminToken: string;

  beforeAll(async () => {
    gatehouse = await startOnBackend(backend, 'revocation');
    adminToken = (await login(gatehouse.url, TEST_USERS.admin)).accessToken;
  });
  afterAll(() => gatehouse.close());

  async function expectSessionEnded(session: Session): Promise<void> {
    const me = await callProcedure(gatehouse.url, 'users.me', { headers: bearer(session.accessToken) });
    expect(me.status).toBe(401);
    expect(authReason(me)).toBe('revoked_token');
    expect(me.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    expect(authReason(await refreshWithBody(gatehouse.url, session.refreshToken))).toBe('revoked_token');
  }

  it('logout makes both the access token and the refresh token fail, and clears the cookie', async () => {
    const session = await loginForSession(gatehouse.url, await registerUser(gatehouse.url));
    const response = await callProcedure(gatehouse.url, 'auth.logout', { kind: 'mutation', headers: bearer(session.accessToken) });
    expect(response.status).toBe(200);
    expect(response.headers.getSetCookie().join()).toMatch(/gatehouse_refresh=;.*Max-Age=0/);
    await expectSessionEnded(session);
  });

  it('logout ends the session’s other access tokens, not the user’s other sessions', async () => {
    const user = await registerUser(gatehouse.url);
    const session = await loginForSession(gatehouse.url, user);
    const rotated = (await refreshWithBody(gatehouse.url, session.refreshToken)).body.result.data;
    const otherDevice = await loginForSession(gatehouse.url, user);

    await callProcedure(gatehouse.url, 'auth.logout', { kind: 'mutation', headers: bearer(session.accessToken) });
    const sameFamily = await callProcedure(gatehouse.url, 'users.me', { headers: bearer(rotated.accessToken) });
    expect(authReason(sameFamily)).toBe('revoked_token');
    const other = await callProcedure(gatehouse.url, 'users.me', { headers: bearer(otherDevice.accessToken) });
    expect(other.status).toBe(200);
  });

  it('admin.sessions.revokeAll ends every session of the user, who can log in again at once', async () => {
    const user = await registerUser(gatehouse.url);
    const sessions = [await loginForSession(gatehouse.url, user), await loginForSession(gatehouse.url, user)];
    const response = await callProcedure(gatehouse.url, 'admin.sessions.revokeAll', {
      kind: 'mutation',
      input: { userId: user.id },
      headers: bearer(adminToken),
    });
    expect(response.status).toBe(200);
    expect(response.body.result.data).toEqual({ revokedFamilies: 2, revokedApiKeys: 0 });
    for (const session of sessions) await expectSessionEnded(session);

    const fresh = await loginForSession(gatehouse.url, user);
    expect((await callProcedure(gatehouse.url, 'users.me', { headers: bearer(fresh.accessToken) })).status).toBe(200);
  });

  it('admin.sessions.revokeAll is for admins only and answers 404 for an unknown user', async () => {
    const user = await registerUser(gatehouse.url);
    const session = await loginForSession(gatehouse.url, user);
    const asUser = await callProcedure(gatehouse.url, 'admin.sessions.revokeAll', {
      kind: 'mutation',
      input: { userId: user.id },
      headers: bearer(session.accessToken),
    });
    expect(asUser.status).toBe(403);
    const unknown = await callProcedure(gatehouse.url, 'admin.sessions.revokeAll', {
      kind: 'mutation',
      input: { userId: '00000000-0000-4000-8000-000000000000' },
      headers: bearer(adminToken),
    });
    expect(unknown.status).toBe(404);
  });

  it('admin.users.setRole ends the user’s live sessions, whose scopes are stale', async () => {
    const user = await registerUser(gatehouse.url);
    const session = await loginForSession(gatehouse.url, user);
    const response = await callProcedure(gatehouse.url, 'admin.users.setRole', {
      kind: 'mutation',
      input: { userId: user.id, role: 'admin' },
      headers: bearer(adminToken),
    });
    expect(response.status).toBe(200);
    await expectSessionEnded(session);
    const promoted = await loginForSession(gatehouse.url, user);
    const list = await callProcedure(gatehouse.url, 'admin.users.list', { headers: bearer(promoted.accessToken) });
    expect(list.status).toBe(200);
  });
});

describe('the Redis token store under load and failure', () => {
  let gatehouse: GatehouseOnBackend;
  beforeAll(async () => {
    gatehouse = await startOnBackend('redis', 'revocation-redis');
  });
  afterAll(() => gatehouse.close());

  it('checks an access token for revocation in exactly one Redis command per request', async () => {
    const session = await loginForSession(gatehouse.url, await registerUser(gatehouse.url));
    // The connection is the server's, shared by every store and the rate limiter: count the token store's commands.
    const redis = gatehouse.tokenRedis!;
    const tokenKeys = `${gatehouse.redisPrefix}tokens:`;
    const commands: string[] = [];
    const send = redis.sendCommand.bind(redis);
    redis.sendCommand = ((command: { name: string; args: unknown[] }, ...rest: unknown[]) => {
      if (command.args.some((arg) => String(arg).startsWith(tokenKeys))) commands.push(command.name);
      return (send as (...args: unknown[]) => unknown)(command, ...rest);
    }) as typeof redis.sendCommand;
    try {
      const me = await callProcedure(gatehouse.url, 'users.me', { headers: bearer(session.accessToken) });
      expect(me.status).toBe(200);
    } finally {
      redis.sendCommand = send;
    }
    // One MGET on one Redis. On a Redis Cluster the jti, session and user markers live in three slots (each
    // with its own owner's hash tag), so it is one GET per marker, sent together and pipelined per node.
    expect(commands).toEqual(testClusterNodes() === undefined ? ['mget'] : ['get', 'get', 'get']);
  });

  it('answers 503 instead of trusting a token when Redis is down', async () => {
    // A server of its own: its Redis connection stays down, and the other tests here need theirs.
    const cut = await startOnBackend('redis', 'revocation-redis-down');
    try {
      const session = await loginForSession(cut.url, await registerUser(cut.url));
      cut.tokenRedis!.disconnect();
      const me = await callProcedure(cut.url, 'users.me', { headers: bearer(session.accessToken) });
      expect(me.status).toBe(503);
      const refresh = await refreshWithBody(cut.url, session.refreshToken);
      expect(refresh.status).toBe(503);
      // Public procedures that need no token state keep working.
      expect((await callProcedure(cut.url, 'health')).status).toBe(200);
    } finally {
      await cut.close();
    }
  });
});
