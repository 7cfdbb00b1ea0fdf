import { createHash, randomBytes } from 'node:crypto';
import { createGatehouseClient } from '@gatehouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHiddenInputs } from './support/authorize-form.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { TEST_USERS } from './support/test-seed.js';

const REDIRECT_URI = 'http://127.0.0.1:5173/cb';
const APP_ORIGIN = 'http://127.0.0.1:5173';
const SESSION_COOKIE = '__Host-gatehouse_sign_in';
const REFRESH_COOKIE = '__Host-gatehouse_oauth_refresh';

let gatehouse: RunningGatehouse;

beforeAll(async () => {
  gatehouse = await startGatehouse({ env: { GATEHOUSE_CORS_ORIGINS: APP_ORIGIN } });
});
afterAll(() => gatehouse.close());

interface Answer {
  readonly status: number;
  readonly location: string | null;
  readonly setCookie: string[];
  readonly html: string;
}

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authorizeUrl(extra: Record<string, string> = {}, challenge = pkce().challenge): URL {
  const url = new URL('/oauth/authorize', gatehouse.url);
  url.search = new URLSearchParams({
    client_id: 'web',
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope: 'users:read orders:read',
    state: 'st-1',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  }).toString();
  return url;
}

async function answer(response: Response): Promise<Answer> {
  return { status: response.status, location: response.headers.get('location'), setCookie: response.headers.getSetCookie(), html: await response.text() };
}

async function get(url: URL, cookie?: string): Promise<Answer> {
  return answer(await fetch(url, { redirect: 'manual', headers: cookie === undefined ? {} : { cookie } }));
}

async function post(fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Answer> {
  return answer(
    await fetch(new URL('/oauth/authorize', gatehouse.url), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields),
    }),
  );
}

/** Signs in on the form with the password; returns the sign-in cookie as a `cookie` header value. */
async function signIn(user: { email: string; password: string }): Promise<string> {
  const page = await get(authorizeUrl());
  const signedIn = await post({ ...readHiddenInputs(page.html), email: user.email, password: user.password, decision: 'approve' });
  expect(signedIn.status).toBe(303);
  const set = signedIn.setCookie.find((cookie) => cookie.startsWith(`${SESSION_COOKIE}=`));
  expect(set).toBeDefined();
  return set!.split(';')[0]!;
}

function redirectParams(location: string | null): URLSearchParams {
  expect(location).not.toBeNull();
  return new URL(location!).searchParams;
}

describe('the sign-in session of the authorize page', () => {
  it('is set after a password sign-in as an HttpOnly, Secure, SameSite=Lax __Host- cookie', async () => {
    const page = await get(authorizeUrl());
    const signedIn = await post({ ...readHiddenInputs(page.html), email: TEST_USERS.alice.email, password: TEST_USERS.alice.password, decision: 'approve' });
    const cookie = signedIn.setCookie.find((value) => value.startsWith(`${SESSION_COOKIE}=`));
    expect(cookie).toMatch(/; Max-Age=\d+; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    expect(cookie).not.toMatch(/Domain=/i);
  });

  it('lets a returning user approve without the password, and the code redeems for that user', async () => {
    const cookie = await signIn(TEST_USERS.alice);
    const { verifier, challenge } = pkce();
    const page = await get(authorizeUrl({}, challenge), cookie);
    expect(page.status).toBe(200);
    expect(page.html).toContain('Allow <strong>web</strong> to use your account?');
    expect(page.html).toContain(TEST_USERS.alice.email);
    expect(page.html).not.toContain('type="password"');

    const approved = await post({ ...readHiddenInputs(page.html), decision: 'approve' }, { cookie });
    expect(approved.status).toBe(303);
    const code = redirectParams(approved.location).get('code')!;
    const token = await fetch(new URL('/oauth/token', gatehouse.url), {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: 'web', code_verifier: verifier }),
    });
    expect(token.status).toBe(200);
    const { access_token: accessToken } = (await token.json()) as { access_token: string };
    const me = await createGatehouseClient({ url: gatehouse.url, accessToken }).users.me.query();
    expect(me.email).toBe(TEST_USERS.alice.email);
  });

  it('asks for the password again under prompt=login and max_age=0, and not under a max_age the session meets', async () => {
    const cookie = await signIn(TEST_USERS.alice);
    expect((await get(authorizeUrl({ prompt: 'login' }), cookie)).html).toContain('type="password"');
    expect((await get(authorizeUrl({ max_age: '0' }), cookie)).html).toContain('type="password"');
    expect((await get(authorizeUrl({ max_age: '3600' }), cookie)).html).not.toContain('type="password"');
    // The consent form of a prompt=login request cannot be approved with the session alone.
    const consent = await get(authorizeUrl({ max_age: '3600' }), cookie);
    const forced = { ...readHiddenInputs(consent.html), prompt: 'login' };
    expect((await post({ ...forced, decision: 'approve' }, { cookie })).status).toBe(400); // CSRF token covers prompt
  });

  it('honours max_age once the sign-in is older than it', async () => {
    const cookie = await signIn(TEST_USERS.alice);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect((await get(authorizeUrl({ max_age: '1' }), cookie)).html).toContain('type="password"');
    expect((await get(authorizeUrl({ max_age: '60' }), cookie)).html).not.toContain('type="password"');
  });

  it('answers prompt=none with login_required without a session, consent_required with one, never a page', async () => {
    const none = await get(authorizeUrl({ prompt: 'none' }));
    expect(none.status).toBe(302);
    expect(Object.fromEntries(redirectParams(none.location))).toMatchObject({ error: 'login_required', state: 'st-1', iss: gatehouse.url });

    const cookie = await signIn(TEST_USERS.alice);
    const signedIn = await get(authorizeUrl({ prompt: 'none' }), cookie);
    expect(redirectParams(signedIn.location).get('error')).toBe('consent_required');
    // A session too old for max_age is no session.
    expect(redirectParams((await get(authorizeUrl({ prompt: 'none', max_age: '0' }), cookie)).location).get('error')).toBe('login_required');
    expect(redirectParams((await get(authorizeUrl({ prompt: 'none login' }), cookie)).location).get('error')).toBe('invalid_request');
    expect(redirectParams((await get(authorizeUrl({ max_age: 'soon' }), cookie)).location).get('error')).toBe('invalid_request');
  });

  it('is bound server-side: revoking the user’s sessions ends it, and a tampered cookie is no session', async () => {
    const cookie = await signIn(TEST_USERS.bob);
    expect((await get(authorizeUrl(), cookie)).html).not.toContain('type="password"');
    // Claiming a fresher sign-in (for max_age) breaks the cookie's signature.
    const [name, value] = cookie.split('=') as [string, string];
    const tampered = `${name}=${String(Number(value.split('.')[0]) + 3600)}${value.slice(value.indexOf('.'))}`;
    expect((await get(authorizeUrl(), tampered)).html).toContain('type="password"');

    const admin = createGatehouseClient({ url: gatehouse.url, session: {} });
    await admin.session.login({ email: TEST_USERS.admin.email, password: TEST_USERS.admin.password });
    const bob = await admin.admin.users.list.query({ limit: 100 }).then((page) => page.items.find((user) => user.email === TEST_USERS.bob.email)!);
    await admin.admin.sessions.revokeAll.mutate({ userId: bob.id });
    expect((await get(authorizeUrl(), cookie)).html).toContain('type="password"');
  });

  it('ends the session server-side with "Sign out" on the consent page, so even a copied cookie stops working', async () => {
    const cookie = await signIn(TEST_USERS.alice);
    const consent = await get(authorizeUrl(), cookie);
    const signedOut = await post({ ...readHiddenInputs(consent.html), decision: 'sign_out' }, { cookie });
    expect(signedOut.status).toBe(200);
    expect(signedOut.html).toContain('type="password"');
    expect(signedOut.setCookie).toContainEqual(expect.stringMatching(new RegExp(`^${SESSION_COOKIE}=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax$`)));
    expect((await get(authorizeUrl(), cookie)).html).toContain('type="password"');
  });

  it('re-asks for the password when the session ended between the consent page and Allow', async () => {
    const cookie = await signIn(TEST_USERS.alice);
    const consent = await get(authorizeUrl(), cookie);
    const approved = await post({ ...readHiddenInputs(consent.html), decision: 'approve' }); // no cookie any more
    expect(approved.status).toBe(200);
    expect(approved.location).toBeNull();
    expect(approved.html).toContain('Your sign-in has ended');
    expect(approved.html).toContain('type="password"');
  });

  it('does not approve a consent form for one user with another user’s session', async () => {
    const alice = await signIn(TEST_USERS.alice);
    const bob = await signIn(TEST_USERS.bob);
    const shownToAlice = await get(authorizeUrl(), alice);
    const approved = await post({ ...readHiddenInputs(shownToAlice.html), decision: 'approve' }, { cookie: bob });
    expect(approved.location).toBeNull();
    expect(approved.html).toContain('signed in with another account');
    expect(approved.html).toContain(TEST_USERS.bob.email);
  });
});

describe('the authorize form refuses POSTs from other origins', () => {
  it.each([
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site: same-site (a sibling origin)', { 'sec-fetch-site': 'same-site' }],
    ['Origin of another site', { origin: 'https://evil.example' }],
    ['Origin: null', { origin: 'null' }],
  ])('refuses %s with 403 before any password is checked', async (_label, headers: Record<string, string>) => {
    const page = await get(authorizeUrl());
    const refused = await post({ ...readHiddenInputs(page.html), email: TEST_USERS.alice.email, password: TEST_USERS.alice.password, decision: 'approve' }, headers);
    expect(refused.status).toBe(403);
    expect(refused.location).toBeNull();
    expect(refused.setCookie).toEqual([]);
    expect(refused.html).toContain('role="alert"');
  });

  it('accepts its own origin', async () => {
    const page = await get(authorizeUrl());
    const fields = { ...readHiddenInputs(page.html), email: TEST_USERS.alice.email, password: TEST_USERS.alice.password, decision: 'approve' };
    expect((await post(fields, { origin: gatehouse.url, 'sec-fetch-site': 'same-origin' })).status).toBe(303);
  });

  it('serves the page unframeable, with its stylesheet allowed by hash and no inline script', async () => {
    const page = await fetch(authorizeUrl());
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/]+=*'/);
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('referrer-policy')).toBe('same-origin');
  });
});

describe('a browser app’s refresh token in an HttpOnly cookie (refresh_token_delivery=cookie)', () => {
  const browserHeaders = { origin: APP_ORIGIN, 'x-gatehouse-csrf': '1' };

  async function codeFor(user: { email: string; password: string }) {
    const { verifier, challenge } = pkce();
    const page = await get(authorizeUrl({}, challenge));
    const approved = await post({ ...readHiddenInputs(page.html), email: user.email, password: user.password, decision: 'approve' });
    return { code: redirectParams(approved.location).get('code')!, verifier };
  }

  function token(parameters: Record<string, string>, headers: Record<string, string>) {
    return fetch(new URL('/oauth/token', gatehouse.url), { method: 'POST', headers, body: new URLSearchParams({ client_id: 'web', ...parameters }) });
  }

  it('sets the refresh token as a cookie, keeps it out of the body, rotates it by cookie and revokes it by cookie', async () => {
    const { code, verifier } = await codeFor(TEST_USERS.alice);
    const issued = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier, refresh_token_delivery: 'cookie' }, browserHeaders);
    expect(issued.status).toBe(200);
    expect(await issued.json()).not.toHaveProperty('refresh_token');
    const set = issued.headers.getSetCookie().find((cookie) => cookie.startsWith(`${REFRESH_COOKIE}=`))!;
    expect(set).toMatch(/; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
    const cookie = set.split(';')[0]!;

    const refreshed = await token({ grant_type: 'refresh_token', refresh_token_delivery: 'cookie' }, { ...browserHeaders, cookie });
    expect(refreshed.status).toBe(200);
    const rotated = refreshed.headers.getSetCookie().find((value) => value.startsWith(`${REFRESH_COOKIE}=`))!.split(';')[0]!;
    expect(rotated).not.toBe(cookie);

    const revoked = await fetch(new URL('/oauth/revoke', gatehouse.url), {
      method: 'POST',
      headers: { ...browserHeaders, cookie: rotated },
      body: new URLSearchParams({ client_id: 'web', refresh_token_delivery: 'cookie' }),
    });
    expect(revoked.status).toBe(200);
    expect(revoked.headers.getSetCookie()).toContainEqual(expect.stringMatching(new RegExp(`^${REFRESH_COOKIE}=; Max-Age=0`)));
    const afterRevoke = await token({ grant_type: 'refresh_token', refresh_token_delivery: 'cookie' }, { ...browserHeaders, cookie: rotated });
    expect(afterRevoke.status).toBe(400);
    expect(((await afterRevoke.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('refuses cookie delivery without the CSRF header or from an origin not allowed', async () => {
    for (const headers of [{ origin: APP_ORIGIN }, { origin: 'https://evil.example', 'x-gatehouse-csrf': '1' }]) {
      const { code, verifier } = await codeFor(TEST_USERS.alice);
      const refused = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier, refresh_token_delivery: 'cookie' }, headers);
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { error: string }).error).toBe('invalid_request');
    }
  });
});
