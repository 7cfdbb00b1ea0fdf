import { createGatehouseClient, type LinkFetch } from '@gatehouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForAuditRecord } from './support/audit.js';
import { projectStores } from './support/default-store.js';
import { bearer, callProcedure, login, type RawResponse } from './support/http.js';
import { authReason, loginForSession, refreshWithBody, registerUser } from './support/sessions.js';
import { TEST_USERS } from './support/test-seed.js';
import { startOnBackend, type GatehouseOnBackend } from './support/token-store-backends.js';

const COOKIE = '__Host-gatehouse_refresh';
const ACCESS_TTL_MS = 900_000;

function clearsCookie(response: RawResponse): boolean {
  return response.headers.getSetCookie().some((cookie) => cookie.startsWith(`${COOKIE}=;`) && cookie.includes('Max-Age=0'));
}

function cookieOf(response: RawResponse): string | undefined {
  const header = response.headers.getSetCookie().find((cookie) => cookie.startsWith(`${COOKIE}=`));
  const value = header?.slice(COOKIE.length + 1).split(';')[0];
  return value === undefined || value === '' ? undefined : decodeURIComponent(value);
}

describe.each(projectStores())('auth.logout once the access token has expired, on the %s store', (backend) => {
  let gatehouse: GatehouseOnBackend;
  let clockOffsetMs = 0;

  beforeAll(async () => {
    gatehouse = await startOnBackend(backend, 'logout-expired', { now: () => Date.now() + clockOffsetMs });
  });
  afterAll(() => gatehouse.close());

  function logout(headers: Record<string, string>, input?: unknown): Promise<RawResponse> {
    return callProcedure(gatehouse.url, 'auth.logout', { kind: 'mutation', headers, input });
  }

  it('ends the refresh family when the refresh token is in the body, with an expired access token', async () => {
    const session = await loginForSession(gatehouse.url, await registerUser(gatehouse.url));
    clockOffsetMs += ACCESS_TTL_MS + 1000;
    const expired = await callProcedure(gatehouse.url, 'users.me', { headers: bearer(session.accessToken) });
    expect(authReason(expired)).toBe('expired_token');

    const response = await logout(bearer(session.accessToken), { refreshToken: session.refreshToken });
    expect(response.status).toBe(200);
    expect(clearsCookie(response)).toBe(true);
    const refreshed = await refreshWithBody(gatehouse.url, session.refreshToken);
    expect(refreshed.status).toBe(401);
    expect(authReason(refreshed)).toBe('revoked_token');
  });

  it('ends the refresh family with no access token at all when the refresh token proves the session', async () => {
    const session = await loginForSession(gatehouse.url, await registerUser(gatehouse.url));
    expect((await logout({}, { refreshToken: session.refreshToken })).status).toBe(200);
    expect(authReason(await refreshWithBody(gatehouse.url, session.refreshToken))).toBe('revoked_token');
    // The family's live access token ends with it.
    expect(authReason(await callProcedure(gatehouse.url, 'users.me', { headers: bearer(session.accessToken) }))).toBe('revoked_token');
  });

  it('ends the family proven by the cookie plus the CSRF header, and deletes the cookie', async () => {
    const user = await registerUser(gatehouse.url);
    const cookieLogin = await callProcedure(gatehouse.url, 'auth.login', {
      kind: 'mutation',
      input: { email: user.email, password: user.password, refreshTokenDelivery: 'cookie' },
    });
    const cookie = cookieOf(cookieLogin)!;
    clockOffsetMs += ACCESS_TTL_MS + 1000;

    const withoutCsrf = await logout({ ...bearer(cookieLogin.body.result.data.accessToken), cookie: `${COOKIE}=${cookie}` });
    expect(withoutCsrf.status).toBe(403);
    expect(clearsCookie(withoutCsrf)).toBe(true);

    const response = await logout({ ...bearer(cookieLogin.body.result.data.accessToken), cookie: `${COOKIE}=${cookie}`, 'x-gatehouse-csrf': '1' });
    expect(response.status).toBe(200);
    expect(clearsCookie(response)).toBe(true);
    const refreshed = await callProcedure(gatehouse.url, 'auth.refresh', {
      kind: 'mutation',
      headers: { cookie: `${COOKIE}=${cookie}`, 'x-gatehouse-csrf': '1' },
    });
    expect(authReason(refreshed)).toBe('revoked_token');
  });

  it('refuses a logout that proves no session, and clears the cookie on that answer too', async () => {
    const session = await loginForSession(gatehouse.url, await registerUser(gatehouse.url));
    clockOffsetMs += ACCESS_TTL_MS + 1000;
    const expiredOnly = await logout(bearer(session.accessToken));
    expect(expiredOnly.status).toBe(401);
    expect(authReason(expiredOnly)).toBe('expired_token');
    expect(clearsCookie(expiredOnly)).toBe(true);

    const nothing = await logout({});
    expect(nothing.status).toBe(401);
    expect(authReason(nothing)).toBe('missing_credentials');
    expect(clearsCookie(nothing)).toBe(true);

    const forged = await logout({}, { refreshToken: `${crypto.randomUUID()}.${'A'.repeat(43)}` });
    expect(forged.status).toBe(401);
    expect(authReason(forged)).toBe('invalid_token');
    // The session was not ended by any of these.
    expect((await refreshWithBody(gatehouse.url, session.refreshToken)).status).toBe(200);
  });

  it('still refuses principals with no session: an API key is 403 forbidden_role', async () => {
    const { accessToken } = await login(gatehouse.url, TEST_USERS.alice);
    const created = await callProcedure(gatehouse.url, 'apiKeys.create', {
      kind: 'mutation',
      input: { name: 'logout probe', scopes: ['users:read'] },
      headers: bearer(accessToken),
    });
    const response = await logout({ 'x-api-key': created.body.result.data.key });
    expect(response.status).toBe(403);
    expect(authReason(response)).toBe('forbidden_role');
    // Refused in the handler (logout is public so a refresh token can prove the session), yet audited and
    // charged like any contract's denial: no 403 is free or unrecorded.
    const admin = await login(gatehouse.url, TEST_USERS.admin);
    const denied = await waitForAuditRecord(gatehouse.url, admin.accessToken, 'authz.denied', (record) => record.requestId === response.headers.get('x-request-id'));
    expect(denied.details).toMatchObject({ path: 'auth.logout', reason: 'forbidden_role' });
  });

  it('lets the session client log out with whichever credential still works', async () => {
    const user = await registerUser(gatehouse.url);
    const client = createGatehouseClient({ url: gatehouse.url, session: { now: () => Date.now() + clockOffsetMs } });
    await client.session.login({ email: user.email, password: user.password });
    const held = client.session.currentAccessToken();
    clockOffsetMs += ACCESS_TTL_MS + 1000;

    await client.session.logout(); // resolves: the refresh token proved the session
    expect(await client.session.isLoggedIn()).toBe(false);
    expect(authReason(await callProcedure(gatehouse.url, 'users.me', { headers: bearer(held ?? '') }))).toBe('expired_token');
  });

  /** A browser's cookie jar for the refresh cookie, as fetch with `credentials: 'include'` would use it. */
  function cookieJarFetch(jar: { cookie: string | undefined }): LinkFetch {
    return async (input, init) => {
      const url = new URL(String(input));
      const headers = new Headers(init?.headers as HeadersInit | undefined);
      if (url.pathname.startsWith('/trpc/') && (init as RequestInit | undefined)?.credentials === 'include' && jar.cookie !== undefined) {
        headers.set('cookie', `${COOKIE}=${jar.cookie}`);
      }
      const response = await fetch(url, { ...(init as RequestInit), headers });
      for (const setCookie of response.headers.getSetCookie()) {
        if (setCookie.startsWith(`${COOKIE}=`)) jar.cookie = setCookie.slice(COOKIE.length + 1).split(';')[0] || undefined;
      }
      return response;
    };
  }

  it('lets a cookie-mode session client log out through the cookie once its access token has expired', async () => {
    const user = await registerUser(gatehouse.url);
    const jar: { cookie: string | undefined } = { cookie: undefined };
    const client = createGatehouseClient({
      url: gatehouse.url,
      fetch: cookieJarFetch(jar),
      session: { refreshTokenDelivery: 'cookie', now: () => Date.now() + clockOffsetMs },
    });
    await client.session.login({ email: user.email, password: user.password });
    const cookie = jar.cookie!;
    clockOffsetMs += ACCESS_TTL_MS + 1000;

    await client.session.logout();
    expect(jar.cookie).toBeUndefined();
    const refreshed = await callProcedure(gatehouse.url, 'auth.refresh', {
      kind: 'mutation',
      headers: { cookie: `${COOKIE}=${decodeURIComponent(cookie)}`, 'x-gatehouse-csrf': '1' },
    });
    expect(authReason(refreshed)).toBe('revoked_token');
  });

  it('ends a cookie session from a page that holds no tokens (reloaded, memory storage): the cookie alone proves it', async () => {
    const user = await registerUser(gatehouse.url);
    const jar: { cookie: string | undefined } = { cookie: undefined };
    const session = { refreshTokenDelivery: 'cookie' as const };
    const before = createGatehouseClient({ url: gatehouse.url, fetch: cookieJarFetch(jar), session });
    await before.session.login({ email: user.email, password: user.password });
    const cookie = jar.cookie!;

    // The page reloads: a new client with empty memory storage, the browser's cookie still there.
    const reloaded = createGatehouseClient({ url: gatehouse.url, fetch: cookieJarFetch(jar), session });
    expect(await reloaded.session.isLoggedIn()).toBe(false);
    await reloaded.session.logout();

    expect(jar.cookie).toBeUndefined();
    const refreshed = await callProcedure(gatehouse.url, 'auth.refresh', {
      kind: 'mutation',
      headers: { cookie: `${COOKIE}=${decodeURIComponent(cookie)}`, 'x-gatehouse-csrf': '1' },
    });
    expect(authReason(refreshed)).toBe('revoked_token');
  });
});
