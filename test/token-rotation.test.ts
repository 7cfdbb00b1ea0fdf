import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectStores } from './support/default-store.js';
import { bearer, callProcedure } from './support/http.js';
import { authReason, loginForSession, refreshWithBody, registerUser } from './support/sessions.js';
import { startOnBackend, type GatehouseOnBackend } from './support/token-store-backends.js';

const REFRESH_TTL_SECONDS = 3600;

describe.each(projectStores())('refresh-token rotation on the %s store', (backend) => {
  let gatehouse: GatehouseOnBackend;
  let clockOffsetMs = 0;

  beforeAll(async () => {
    gatehouse = await startOnBackend(backend, 'rotation', {
      env: { GATEHOUSE_REFRESH_TOKEN_TTL: String(REFRESH_TTL_SECONDS) },
      now: () => Date.now() + clockOffsetMs,
    });
  });
  afterAll(() => gatehouse.close());

  it('exchanges a refresh token for a working access token and a new refresh token', async () => {
    const user = await registerUser(gatehouse.url);
    const session = await loginForSession(gatehouse.url, user);
    expect(session.refreshToken).toMatch(/^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);

    const refreshed = await refreshWithBody(gatehouse.url, session.refreshToken);
    expect(refreshed.status).toBe(200);
    expect(refreshed.headers.get('cache-control')).toBe('no-store');
    const grant = refreshed.body.result.data;
    expect(grant).toMatchObject({ tokenType: 'Bearer', user: { id: user.id } });
    expect(grant.refreshToken).not.toBe(session.refreshToken);

    const me = await callProcedure(gatehouse.url, 'users.me', { headers: bearer(grant.accessToken) });
    expect(me.status).toBe(200);
    // The successor rotates again: the family lives on while each token is used once.
    expect((await refreshWithBody(gatehouse.url, grant.refreshToken)).status).toBe(200);
  });

  it('refuses a reused refresh token and revokes its family, newest token and live access token included', async () => {
    const session = await loginForSession(gatehouse.url, await registerUser(gatehouse.url));
    const first = await refreshWithBody(gatehouse.url, session.refreshToken);
    const newest = first.body.result.data;

    const reuse = await refreshWithBody(gatehouse.url, session.refreshToken);
    expect(reuse.status).toBe(401);
    expect(authReason(reuse)).toBe('revoked_token');
    expect(authReason(await refreshWithBody(gatehouse.url, newest.refreshToken))).toBe('revoked_token');
    const me = await callProcedure(gatehouse.url, 'users.me', { headers: bearer(newest.accessToken) });
    expect(me.status).toBe(401);
    expect(authReason(me)).toBe('revoked_token');

    // The security event names both requests: the rotation that spent the token and the reuse.
    const events = gatehouse
      .logLines()
      .map((line) => JSON.parse(line))
      .filter((line) => line.event?.type === 'token.reuse_detected' && line.event.principal === `user:${session.userId}`);
    expect(events).toHaveLength(1);
    expect(events[0].event).toMatchObject({
      requestId: reuse.headers.get('x-request-id'),
      details: { firstUseRequestId: first.headers.get('x-request-id'), firstUseIp: '127.0.0.1' },
    });
    expect(gatehouse.logLines().join('\n')).not.toContain(session.refreshToken.split('.')[1]);
  });

  it('lets exactly one of two concurrent refreshes with the same token succeed', async () => {
    const session = await loginForSession(gatehouse.url, await registerUser(gatehouse.url));
    const responses = await Promise.all([refreshWithBody(gatehouse.url, session.refreshToken), refreshWithBody(gatehouse.url, session.refreshToken)]);
    expect(responses.map((response) => response.status).sort()).toEqual([200, 401]);
  });

  it('refuses a refresh token whose family has outlived GATEHOUSE_REFRESH_TOKEN_TTL', async () => {
    const session = await loginForSession(gatehouse.url, await registerUser(gatehouse.url));
    clockOffsetMs += (REFRESH_TTL_SECONDS + 1) * 1000;
    try {
      const response = await refreshWithBody(gatehouse.url, session.refreshToken);
      expect(response.status).toBe(401);
      expect(authReason(response)).toBe('expired_token');
    } finally {
      clockOffsetMs = 0;
    }
  });

  it('refuses malformed and unknown refresh tokens without revealing which', async () => {
    const session = await loginForSession(gatehouse.url, await registerUser(gatehouse.url));
    const forged = `${session.refreshToken.split('.')[0]}.${'A'.repeat(43)}`;
    for (const token of ['not-a-token', forged]) {
      const response = await refreshWithBody(gatehouse.url, token);
      expect(response.status).toBe(401);
      expect(authReason(response)).toBe('invalid_token');
    }
    // A forged token for a real family spends nothing: the real one still rotates.
    expect((await refreshWithBody(gatehouse.url, session.refreshToken)).status).toBe(200);
  });

  it('answers a refresh without any token with 401 missing_credentials', async () => {
    const response = await callProcedure(gatehouse.url, 'auth.refresh', { kind: 'mutation', input: {} });
    expect(response.status).toBe(401);
    expect(authReason(response)).toBe('missing_credentials');
  });
});
