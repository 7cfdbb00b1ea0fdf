import { createGatehouseClient, UnauthorizedError, type LinkFetch, type SessionTokens, type TokenStorage } from '@gatehouse/client';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { projectStores } from './support/default-store.js';
import { bearer, callProcedure, login } from './support/http.js';
import { registerUser } from './support/sessions.js';
import { TEST_USERS } from './support/test-seed.js';
import { startOnBackend, type GatehouseOnBackend } from './support/token-store-backends.js';

/** fetch that counts the calls to auth.refresh the client makes, and makes them. */
function countingFetch() {
  const counter = { refreshes: 0 };
  const wrapped: LinkFetch = (input, init) => {
    if (String(input).includes('auth.refresh')) counter.refreshes += 1;
    return fetch(input as never, init as never);
  };
  return { counter, fetch: wrapped };
}

describe.each(projectStores())('client session mode on the %s store', (backend) => {
  let gatehouse: GatehouseOnBackend;
  /** The server's clock runs this far ahead: a jump expires every access token at once, server-side only. */
  let serverClockOffsetMs = 0;

  beforeAll(async () => {
    gatehouse = await startOnBackend(backend, 'client-session', { now: () => Date.now() + serverClockOffsetMs });
  });
  afterAll(() => gatehouse.close());

  async function loggedInClient(options: { batch?: boolean } = {}) {
    const user = await registerUser(gatehouse.url);
    const counting = countingFetch();
    const client = createGatehouseClient({ url: gatehouse.url, fetch: counting.fetch, session: {}, ...options });
    await client.session.login({ email: user.email, password: user.password });
    return { client, user, counter: counting.counter };
  }

  it('refreshes once after a 401 expired_token, however many concurrent calls saw it', async () => {
    const { client, user, counter } = await loggedInClient({ batch: false });
    expect((await client.users.me.query()).id).toBe(user.id);
    serverClockOffsetMs += 901_000; // past the 900 s access-token lifetime
    const results = await Promise.all(Array.from({ length: 10 }, () => client.users.me.query()));
    expect(results.every((me) => me.id === user.id)).toBe(true);
    expect(counter.refreshes).toBe(1);
  });

  it('refreshes once before calling when the token is due, for ten concurrent batched calls', async () => {
    const user = await registerUser(gatehouse.url);
    let clientClockOffsetMs = 0;
    const counting = countingFetch();
    const client = createGatehouseClient({
      url: gatehouse.url,
      fetch: counting.fetch,
      session: { now: () => Date.now() + clientClockOffsetMs },
    });
    await client.session.login({ email: user.email, password: user.password });
    clientClockOffsetMs = 890_000; // inside the 30 s refresh margin
    await Promise.all(Array.from({ length: 10 }, () => client.users.me.query()));
    expect(counting.counter.refreshes).toBe(1);
  });

  it('surfaces a revoked session as UnauthorizedError revoked_token and forgets the tokens', async () => {
    const { client, user, counter } = await loggedInClient();
    const admin = await login(gatehouse.url, TEST_USERS.admin);
    await callProcedure(gatehouse.url, 'admin.sessions.revokeAll', { kind: 'mutation', input: { userId: user.id }, headers: bearer(admin.accessToken) });

    // The access token is expired as well, so the client tries its refresh token, which the revocation ended too.
    serverClockOffsetMs += 901_000;
    const failure = await client.users.me.query().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UnauthorizedError);
    expect((failure as UnauthorizedError).reason).toBe('revoked_token');
    expect(counter.refreshes).toBe(1);
    expect(await client.session.isLoggedIn()).toBe(false);
  });

  it('answers a call with a revoked, unexpired access token with revoked_token without refreshing', async () => {
    const { client, counter } = await loggedInClient();
    await client.users.me.query();
    // Logging out through a copy of the same session's token, as another tab would.
    const token = client.session.currentAccessToken();
    await callProcedure(gatehouse.url, 'auth.logout', { kind: 'mutation', headers: bearer(token ?? '') });
    const failure = await client.users.me.query().catch((error: unknown) => error);
    expect((failure as UnauthorizedError).reason).toBe('revoked_token');
    expect(counter.refreshes).toBe(0);
  });

  it('logs out on the server and keeps tokens in the storage it was given', async () => {
    const saved: SessionTokens[] = [];
    let held: SessionTokens | undefined;
    const storage: TokenStorage = {
      load: () => held,
      save: (tokens) => void saved.push((held = tokens)),
      clear: () => void (held = undefined),
    };
    const user = await registerUser(gatehouse.url);
    const client = createGatehouseClient({ url: gatehouse.url, session: { storage } });
    await client.session.login({ email: user.email, password: user.password });
    expect(saved[0]?.refreshToken).toEqual(expect.any(String));
    const accessToken = saved[0]!.accessToken;

    await client.session.logout();
    expect(held).toBeUndefined();
    const me = await callProcedure(gatehouse.url, 'users.me', { headers: bearer(accessToken) });
    expect(me.body.error.data.auth.reason).toBe('revoked_token');
    const failure = await client.users.me.query().catch((error: unknown) => error);
    expect((failure as UnauthorizedError).reason).toBe('missing_credentials');
  });
});

describe('client session across a real access-token expiry', () => {
  let gatehouse: GatehouseOnBackend;
  beforeAll(async () => {
    gatehouse = await startOnBackend('memory', 'client-expiry', { env: { GATEHOUSE_ACCESS_TOKEN_TTL: '60' } });
  });
  afterAll(() => gatehouse.close());

  it('keeps working past a one-minute access-token lifetime with one refresh', async () => {
    // Client and server share this process and read time from Date: freezing it and moving it past `exp`
    // expires the token for both, as a minute of real time would.
    vi.useFakeTimers({ toFake: ['Date'] });
    onTestFinished(() => void vi.useRealTimers());
    const user = await registerUser(gatehouse.url);
    const counting = countingFetch();
    const client = createGatehouseClient({ url: gatehouse.url, fetch: counting.fetch, session: {} });
    await client.session.login({ email: user.email, password: user.password });
    expect((await client.users.me.query()).id).toBe(user.id);
    vi.setSystemTime(Date.now() + 61_000);
    expect((await client.users.me.query()).id).toBe(user.id);
    expect(counting.counter.refreshes).toBe(1);
  });
});

describe('client session with cookie delivery', () => {
  let gatehouse: GatehouseOnBackend;
  let serverClockOffsetMs = 0;
  beforeAll(async () => {
    gatehouse = await startOnBackend('redis', 'client-cookie', { now: () => Date.now() + serverClockOffsetMs });
  });
  afterAll(() => gatehouse.close());

  /**
   * What a browser does with the refresh cookie, for Node's cookie-less fetch:
   * keep it from Set-Cookie, send it only to its Path, and only when the
   * request is made with credentials.
   */
  function browserLikeFetch() {
    const jar = { cookie: undefined as string | undefined, sentWithCsrf: 0 };
    const wrapped: LinkFetch = async (input, init) => {
      const url = new URL(String(input));
      const headers = new Headers(init?.headers as HeadersInit | undefined);
      if (url.pathname.startsWith('/trpc/') && (init as RequestInit | undefined)?.credentials === 'include' && jar.cookie !== undefined) {
        headers.set('cookie', `__Host-gatehouse_refresh=${jar.cookie}`);
        if (url.pathname === '/trpc/auth.refresh' && headers.get('x-gatehouse-csrf') === '1') jar.sentWithCsrf += 1;
      }
      const response = await fetch(url, { ...(init as RequestInit), headers });
      for (const setCookie of response.headers.getSetCookie()) {
        const match = /^__Host-gatehouse_refresh=([^;]*)/.exec(setCookie);
        if (match) jar.cookie = match[1] === '' ? undefined : match[1];
      }
      return response;
    };
    return { jar, fetch: wrapped };
  }

  it('keeps no refresh token in storage and refreshes through the cookie with the CSRF header', async () => {
    const saved: SessionTokens[] = [];
    const browser = browserLikeFetch();
    const user = await registerUser(gatehouse.url);
    const client = createGatehouseClient({
      url: gatehouse.url,
      fetch: browser.fetch,
      session: { refreshTokenDelivery: 'cookie', storage: { load: () => saved.at(-1), save: (tokens) => void saved.push(tokens), clear: () => {} } },
    });
    await client.session.login({ email: user.email, password: user.password });
    expect(saved[0]?.refreshToken).toBeUndefined();
    expect(browser.jar.cookie).toEqual(expect.any(String));

    serverClockOffsetMs += 901_000;
    expect((await client.users.me.query()).id).toBe(user.id);
    expect(browser.jar.sentWithCsrf).toBe(1);
    expect(saved.every((tokens) => tokens.refreshToken === undefined)).toBe(true);
  });
});
