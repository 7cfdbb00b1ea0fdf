import { randomUUID } from 'node:crypto';
import { createGatehouseClient, RateLimitedError, type GatehouseClientOptions } from '@gatehouse/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { bearer, callProcedure, login } from './support/http.js';
import { expect429 } from './support/rate-limit-assertions.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { TEST_USERS } from './support/test-seed.js';

const from = (ip: string) => ({ 'x-forwarded-for': ip });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The abuse counters and blocks are rate-limiter-flexible limiters, whose memory store reads its windows from
 * Date: with a frozen Date (the server shares this process) a test ends a block by moving the clock, not by
 * sleeping through it.
 */
function freezeDate(): { readonly pass: (seconds: number) => void } {
  const pass = (seconds: number) => void vi.setSystemTime(Date.now() + seconds * 1000);
  beforeAll(() => void vi.useFakeTimers({ toFake: ['Date'] }));
  // Each test starts after every window and block of the tests before it, so order never matters.
  beforeEach(() => pass(120)); // past the 60 s windows and 30 s blocks, within the 900 s access token life
  afterAll(() => void vi.useRealTimers());
  return { pass };
}

describe('credential stuffing', () => {
  const clock = freezeDate();
  let gatehouse: RunningGatehouse;
  beforeAll(async () => {
    gatehouse = await startGatehouse({
      env: {
        // The memory store on every project: its abuse windows follow the test's clock, Redis TTLs do not.
        GATEHOUSE_STORE: 'memory',
        GATEHOUSE_TRUST_PROXY: '127.0.0.1',
        GATEHOUSE_STUFFING_THRESHOLD: '6/4/4',
        GATEHOUSE_STUFFING_WINDOW: '60',
        GATEHOUSE_STUFFING_STRICT_SECONDS: '30',
        GATEHOUSE_STUFFING_STRICT_LIMIT: '2/60',
        // Above the failures threshold, so one user's mistakes reach it before the brute-force guard blocks them.
        GATEHOUSE_LOGIN_LIMIT_EMAIL_IP: '20/86400/900',
        GATEHOUSE_LOGIN_LIMIT_EMAIL: '20/3600/900',
      },
    });
  });
  afterAll(() => gatehouse.close());

  const attempt = (email: string, password: string, ip: string) =>
    callProcedure(gatehouse.url, 'auth.login', { kind: 'mutation', input: { email, password }, headers: from(ip) });

  it('is not raised by one user mistyping a password many times from one place', async () => {
    for (let index = 0; index < 8; index += 1) expect((await attempt(TEST_USERS.bob.email, 'not-bobs-password', '192.0.2.1')).status).toBe(401);
    await sleep(50);
    expect(await gatehouse.server.deps.abuse.stuffing.loginPolicy()).toEqual({ mode: 'normal' });
  });

  it('switches login to the strict per-IP policy when many emails fail from many IPs, then switches back', async () => {
    for (let index = 0; index < 6; index += 1) await attempt(`leaked-${index}@test.gatehouse`, 'from-a-breach', `203.0.113.${index + 1}`);
    await vi.waitFor(async () => expect(await gatehouse.server.deps.abuse.stuffing.isStuffingActive()).toBe(true), { timeout: 1_000, interval: 10 });
    expect(await gatehouse.server.deps.abuse.stuffing.loginPolicy()).toEqual({ mode: 'strict', perIp: { points: 2, durationSeconds: 60 } });

    // Two attempts per IP under the strict policy; the third is refused before any password is checked.
    expect((await attempt(TEST_USERS.alice.email, 'wrong-password', '198.51.100.9')).status).toBe(401);
    expect((await attempt(TEST_USERS.alice.email, TEST_USERS.alice.password, '198.51.100.9')).status).toBe(200);
    const hashesBefore = gatehouse.server.deps.passwords.operations;
    const refused = await attempt(TEST_USERS.alice.email, TEST_USERS.alice.password, '198.51.100.9');
    // Status, Retry-After, data and the X-RateLimit-* / RateLimit-Policy / RateLimit headers of the strict policy.
    expect429(refused, 'auth.login:credential-stuffing', 2);
    expect(gatehouse.server.deps.passwords.operations).toBe(hashesBefore);
    // Another IP still has its own two attempts.
    expect((await attempt(TEST_USERS.alice.email, TEST_USERS.alice.password, '198.51.100.10')).status).toBe(200);

    clock.pass(31);
    expect(await gatehouse.server.deps.abuse.stuffing.isStuffingActive()).toBe(false);
    expect((await attempt(TEST_USERS.alice.email, TEST_USERS.alice.password, '198.51.100.9')).status).toBe(200);
  });
});

describe('enumeration', () => {
  const clock = freezeDate();
  let gatehouse: RunningGatehouse;
  let alice: { accessToken: string; user: { id: string } };
  let bob: { accessToken: string; user: { id: string } };
  beforeAll(async () => {
    gatehouse = await startGatehouse({
      env: { GATEHOUSE_STORE: 'memory', GATEHOUSE_TRUST_PROXY: '127.0.0.1', GATEHOUSE_ENUMERATION_LIMIT: '3/60', GATEHOUSE_ENUMERATION_BLOCK: '30' },
    });
    [alice, bob] = await Promise.all([login(gatehouse.url, TEST_USERS.alice), login(gatehouse.url, TEST_USERS.bob)]);
  });
  afterAll(() => gatehouse.close());

  const lookUp = (path: 'users.byId' | 'orders.byId', id: string, token: string, ip: string) =>
    callProcedure(gatehouse.url, path, { input: { id }, headers: { ...bearer(token), ...from(ip) } });

  it('blocks a principal collecting NOT_FOUNDs on id lookups with a 429, then lets it back in', async () => {
    for (let index = 0; index < 4; index += 1) {
      expect((await lookUp(index % 2 === 0 ? 'users.byId' : 'orders.byId', randomUUID(), alice.accessToken, '198.51.100.20')).status).toBe(404);
    }
    // Blocked now, even for alice's own record and from a fresh IP: the principal is caught too.
    const blocked = await lookUp('users.byId', alice.user.id, alice.accessToken, '198.51.100.21');
    // Like every 429: Retry-After, data, and the rate-limit headers, here of the enumeration policy.
    expect429(blocked, 'abuse.enumeration', 3);

    const viaClient = createGatehouseClient({ url: gatehouse.url, accessToken: alice.accessToken, batch: false, fetch: withHeaders(from('198.51.100.22')) });
    const error = await viaClient.users.byId.query({ id: alice.user.id }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).policy).toBe('abuse.enumeration');

    // Other callers from elsewhere are untouched; non-id procedures still answer alice.
    expect((await lookUp('users.byId', bob.user.id, bob.accessToken, '192.0.2.77')).status).toBe(200);
    expect((await callProcedure(gatehouse.url, 'users.me', { headers: { ...bearer(alice.accessToken), ...from('198.51.100.21') } })).status).toBe(200);

    clock.pass(31);
    expect((await lookUp('users.byId', alice.user.id, alice.accessToken, '198.51.100.23')).status).toBe(200);
  });

  it('blocks an IP cycling through principals', async () => {
    for (let index = 0; index < 4; index += 1) {
      const token = index % 2 === 0 ? alice.accessToken : bob.accessToken;
      await lookUp('orders.byId', randomUUID(), token, '198.51.100.30');
    }
    const blocked = await lookUp('users.byId', bob.user.id, bob.accessToken, '198.51.100.30');
    expect429(blocked, 'abuse.enumeration', 3);
  });
});

type LinkFetch = NonNullable<GatehouseClientOptions['fetch']>;

/** A fetch that adds headers to every call: how the typed client is placed behind a given client IP here. */
function withHeaders(extra: Record<string, string>): LinkFetch {
  return ((url: string, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    for (const [name, value] of Object.entries(extra)) headers.set(name, value);
    return fetch(url, { ...init, headers });
  }) as unknown as LinkFetch;
}
