import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectStores } from './support/default-store.js';
import { callProcedure, type RawResponse } from './support/http.js';
import { authReason, registerUser } from './support/sessions.js';
import { startOnBackend, type GatehouseOnBackend } from './support/token-store-backends.js';

const APP_ORIGIN = 'https://app.test.gatehouse';
/** GATEHOUSE_ENV=test is not development: the cookie carries the __Host- prefix. */
const COOKIE = '__Host-gatehouse_refresh';
const REFRESH_TTL_SECONDS = 7200;

/** The refresh cookie's value and attributes from a response, as a browser would store it. */
function refreshCookieOf(response: RawResponse): { value: string; attributes: string[] } | undefined {
  const header = response.headers.getSetCookie().find((cookie) => cookie.startsWith(`${COOKIE}=`));
  if (header === undefined) return undefined;
  const [pair = '', ...attributes] = header.split(';').map((part) => part.trim());
  return { value: decodeURIComponent(pair.slice(`${COOKIE}=`.length)), attributes };
}

describe.each(projectStores())('refresh token delivered as a cookie, on the %s store', (backend) => {
  let gatehouse: GatehouseOnBackend;

  beforeAll(async () => {
    gatehouse = await startOnBackend(backend, 'cookie', {
      env: { GATEHOUSE_CORS_ORIGINS: APP_ORIGIN, GATEHOUSE_REFRESH_TOKEN_TTL: String(REFRESH_TTL_SECONDS) },
    });
  });
  afterAll(() => gatehouse.close());

  async function cookieLogin(): Promise<{ response: RawResponse; cookie: string }> {
    const user = await registerUser(gatehouse.url);
    const response = await callProcedure(gatehouse.url, 'auth.login', {
      kind: 'mutation',
      input: { email: user.email, password: user.password, refreshTokenDelivery: 'cookie' },
    });
    const cookie = refreshCookieOf(response);
    if (response.status !== 200 || cookie === undefined) throw new Error(`cookie login failed: ${response.status}`);
    return { response, cookie: cookie.value };
  }

  function refreshByCookie(cookie: string, headers: Record<string, string> = {}): Promise<RawResponse> {
    return callProcedure(gatehouse.url, 'auth.refresh', {
      kind: 'mutation',
      headers: { cookie: `theme=dark; ${COOKIE}=${cookie}`, 'x-gatehouse-csrf': '1', ...headers },
    });
  }

  it('sets an HttpOnly, Secure, SameSite=Strict __Host- cookie (no Domain, Path=/), and keeps the token out of the body', async () => {
    const { response } = await cookieLogin();
    expect(response.body.result.data.refreshToken).toBeUndefined();
    expect(response.body.result.data.accessToken).toEqual(expect.any(String));
    const { attributes } = refreshCookieOf(response)!;
    expect(attributes).toEqual(expect.arrayContaining(['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/']));
    // __Host- (RFC 6265bis 4.1.3.2): no Domain attribute, or browsers refuse the cookie.
    expect(attributes.some((attribute) => attribute.toLowerCase().startsWith('domain='))).toBe(false);
    const maxAge = Number(attributes.find((attribute) => attribute.startsWith('Max-Age='))?.slice(8));
    expect(maxAge).toBeGreaterThan(REFRESH_TTL_SECONDS - 5);
    expect(maxAge).toBeLessThanOrEqual(REFRESH_TTL_SECONDS);
  });

  it('rotates the cookie on refresh with the CSRF header, same-origin or from an allowed Origin', async () => {
    const { cookie } = await cookieLogin();
    const refreshed = await refreshByCookie(cookie, { origin: APP_ORIGIN });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.result.data.refreshToken).toBeUndefined();
    const next = refreshCookieOf(refreshed)!.value;
    expect(next).not.toBe(cookie);
    expect((await refreshByCookie(next, { origin: new URL(gatehouse.url).origin })).status).toBe(200);
  });

  it('refuses the cookie without the CSRF header, from a foreign Origin, or from Origin null, and spends nothing', async () => {
    const { cookie } = await cookieLogin();
    const withoutHeader = await callProcedure(gatehouse.url, 'auth.refresh', {
      kind: 'mutation',
      headers: { cookie: `${COOKIE}=${cookie}` },
    });
    expect(withoutHeader.status).toBe(403);
    for (const origin of ['https://evil.example', 'null', `${APP_ORIGIN}.evil.example`]) {
      expect((await refreshByCookie(cookie, { origin })).status).toBe(403);
    }
    expect((await refreshByCookie(cookie)).status).toBe(200);
  });

  it('answers a reused cookie with 401 revoked_token and deletes the cookie', async () => {
    const { cookie } = await cookieLogin();
    await refreshByCookie(cookie);
    const reuse = await refreshByCookie(cookie);
    expect(reuse.status).toBe(401);
    expect(authReason(reuse)).toBe('revoked_token');
    expect(refreshCookieOf(reuse)?.attributes).toContain('Max-Age=0');
  });

  it('refuses a refresh with two refresh cookies (one planted by a sibling subdomain) and spends neither', async () => {
    const { cookie } = await cookieLogin();
    const planted = await cookieLogin();
    const twice = await callProcedure(gatehouse.url, 'auth.refresh', {
      kind: 'mutation',
      headers: { cookie: `${COOKIE}=${planted.cookie}; theme=dark; ${COOKIE}=${cookie}`, 'x-gatehouse-csrf': '1' },
    });
    expect(twice.status).toBe(400);
    expect(twice.body.error.data.code).toBe('BAD_REQUEST');
    expect((await refreshByCookie(cookie)).status).toBe(200);
    expect((await refreshByCookie(planted.cookie)).status).toBe(200);
  });

  it('ignores a cookie without the __Host- prefix, as a plain-HTTP page could have planted it', async () => {
    const { cookie } = await cookieLogin();
    const unprefixed = await callProcedure(gatehouse.url, 'auth.refresh', {
      kind: 'mutation',
      headers: { cookie: `gatehouse_refresh=${cookie}`, 'x-gatehouse-csrf': '1' },
    });
    expect(unprefixed.status).toBe(401);
    expect(authReason(unprefixed)).toBe('missing_credentials');
  });
});
