import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { callBatch } from './support/batch.js';
import { bearer, callProcedure, login } from './support/http.js';
import { expect429, expectRateLimitHeaders } from './support/rate-limit-assertions.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { TEST_USERS } from './support/test-seed.js';

const ORDER = {
  items: [{ productId: 1, quantity: 1 }],
  shippingAddress: { line1: '1 Test Road', city: 'Oslo', postalCode: '0150', country: 'NO' },
  paymentMethod: 'paypal',
} as const;

const BOB = { email: TEST_USERS.bob.email, password: TEST_USERS.bob.password };

/** A different client IP per test, through a trusted proxy (loopback), so tests never share a budget. */
const fromIp = (ip: string) => ({ 'x-forwarded-for': ip });
let nextIp = 1;
const freshIp = () => `198.51.100.${nextIp++}`;

describe('default and contract policies', () => {
  let gatehouse: RunningGatehouse;
  beforeAll(async () => {
    // The memory limiter (rate-limiter-flexible) reads its windows from Date: a frozen Date, moved on by hand,
    // lets a test cross a window without sleeping through it. The server shares this process, and its clock.
    vi.useFakeTimers({ toFake: ['Date'] });
    gatehouse = await startGatehouse({
      // The memory store on every project: only its windows follow the frozen Date (a Redis key's TTL runs on
      // Redis's own clock); the Redis limiter's windows are tested in redis-rate-limits and limiter tests.
      env: { GATEHOUSE_STORE: 'memory', GATEHOUSE_LIMIT_PUBLIC: '3/60', GATEHOUSE_LIMIT_AUTHENTICATED: '4/60', GATEHOUSE_TRUST_PROXY: '127.0.0.1' },
    });
  });
  afterAll(async () => {
    await gatehouse.close();
    vi.useRealTimers();
  });
  /** The end of every window open now. */
  const afterTheWindow = () => vi.setSystemTime(Date.now() + 61_000);

  it('public procedures: the 4th call per IP in the window is 429 with headers and data, and passes after the window', async () => {
    const ip = freshIp();
    const attempt = () =>
      callProcedure(gatehouse.url, 'auth.login', { kind: 'mutation', input: BOB, headers: fromIp(ip) });
    for (let call = 1; call <= 3; call += 1) {
      const response = await attempt();
      expect(response.status).toBe(200);
      expect(response.headers.get('x-ratelimit-remaining')).not.toBeNull();
    }
    const refused = await attempt();
    expect429(refused, 'public', 3);
    expect(gatehouse.logLines().some((line) => line.includes('"ratelimit.exceeded"') && line.includes(ip))).toBe(true);

    afterTheWindow();
    expect((await attempt()).status).toBe(200);
  });

  it('another IP keeps its own public budget', async () => {
    const ip = freshIp();
    for (let call = 0; call < 3; call += 1) {
      await callProcedure(gatehouse.url, 'auth.login', { kind: 'mutation', input: BOB, headers: fromIp(ip) });
    }
    const other = await callProcedure(gatehouse.url, 'auth.login', { kind: 'mutation', input: BOB, headers: fromIp(freshIp()) });
    expect(other.status).toBe(200);
  });

  it('authenticated procedures: counted per principal, whatever the IP; the 5th is 429 and passes after the window', async () => {
    const { accessToken } = await login(gatehouse.url, TEST_USERS.alice);
    afterTheWindow(); // start on a fresh window, so the four calls below share one
    const statuses = [];
    for (let call = 1; call <= 5; call += 1) {
      const response = await callProcedure(gatehouse.url, 'users.me', { headers: { ...bearer(accessToken), ...fromIp(freshIp()) } });
      statuses.push(response.status);
      if (call <= 4) expectRateLimitHeaders(response, 4, 4 - call, 'authenticated');
      else expect429(response, 'authenticated', 4);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    afterTheWindow();
    expect((await callProcedure(gatehouse.url, 'users.me', { headers: bearer(accessToken) })).status).toBe(200);
  });

  it('a contract’s own policy: the 11th auth.register per IP in an hour is 429 under auth.register', async () => {
    const ip = freshIp();
    const register = () =>
      callProcedure(gatehouse.url, 'auth.register', {
        kind: 'mutation',
        input: { email: `r-${randomUUID()}@test.gatehouse`, password: 'long enough password', name: 'R' },
        headers: fromIp(ip),
      });
    for (let call = 1; call <= 10; call += 1) {
      const response = await register();
      expect(response.status).toBe(200);
      expectRateLimitHeaders(response, 10, 10 - call, 'auth.register');
    }
    const refused = await register();
    expect429(refused, 'auth.register', 10);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(3000);
  });

  it('health is never limited', async () => {
    const ip = freshIp();
    for (let call = 0; call < 6; call += 1) {
      const response = await callProcedure(gatehouse.url, 'health', { headers: fromIp(ip) });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-ratelimit-limit')).toBeNull();
    }
  });
});

describe('batches', () => {
  let gatehouse: RunningGatehouse;
  let alice: { accessToken: string };
  beforeAll(async () => {
    gatehouse = await startGatehouse({ env: { GATEHOUSE_LIMIT_AUTHENTICATED: '25/60' } });
    alice = await login(gatehouse.url, TEST_USERS.alice);
  });
  afterAll(() => gatehouse.close());

  const meCalls = (count: number) => Array.from({ length: count }, () => ({ path: 'users.me' }));

  it('counts each of 10 batched calls on its own, refuses 11 with 400 before any runs, and never half-runs a batch', async () => {
    const ten = await callBatch(gatehouse.url, meCalls(10), { headers: bearer(alice.accessToken) });
    expect(ten.status).toBe(200);
    expect(ten.body).toHaveLength(10);
    expect(ten.headers.get('x-ratelimit-remaining')).toBe('15');

    const eleven = await callBatch(gatehouse.url, meCalls(11), { headers: bearer(alice.accessToken) });
    expect(eleven.status).toBe(400);
    const single = await callProcedure(gatehouse.url, 'users.me', { headers: bearer(alice.accessToken) });
    expect(single.headers.get('x-ratelimit-remaining')).toBe('14'); // the refused batch of 11 counted nothing

    const ordersBefore = await gatehouse.server.deps.orders.list({ ownerId: undefined }, { cursor: undefined, limit: 100 });
    await callBatch(gatehouse.url, meCalls(6), { headers: bearer(alice.accessToken) }); // 8 left
    const tooBig = await callBatch(
      gatehouse.url,
      Array.from({ length: 9 }, () => ({ path: 'orders.create', input: ORDER })),
      { kind: 'mutation', headers: bearer(alice.accessToken) },
    );
    expect(tooBig.status).toBe(429);
    for (const result of tooBig.body) expect(result.error.data.rateLimit.policy).toBe('authenticated');
    const ordersAfter = await gatehouse.server.deps.orders.list({ ownerId: undefined }, { cursor: undefined, limit: 100 });
    expect(ordersAfter.items).toHaveLength(ordersBefore.items.length);

    // The refused batch burned nothing: the 8 calls still left all run.
    const fits = await callBatch(gatehouse.url, Array.from({ length: 8 }, () => ({ path: 'orders.create', input: ORDER })), {
      kind: 'mutation',
      headers: bearer(alice.accessToken),
    });
    expect(fits.status).toBe(200);
    expect(fits.headers.get('x-ratelimit-remaining')).toBe('0');
  });

  it('in a mixed batch the headers describe the tightest budget and each call keeps its own status', async () => {
    const bob = await login(gatehouse.url, TEST_USERS.bob);
    await callBatch(gatehouse.url, meCalls(10), { headers: bearer(bob.accessToken) });
    await callBatch(gatehouse.url, meCalls(10), { headers: bearer(bob.accessToken) }); // 5 left
    const mixed = await callBatch(gatehouse.url, [{ path: 'health' }, ...meCalls(6)], { headers: bearer(bob.accessToken) });
    expect(mixed.status).toBe(207);
    expect(mixed.body[0].result.data.status).toBe('ok');
    expect(mixed.body[1].error.data.httpStatus).toBe(429);
    expect(mixed.headers.get('retry-after')).not.toBeNull();
    expect(mixed.headers.get('x-ratelimit-remaining')).toBe('0');
  });
});
