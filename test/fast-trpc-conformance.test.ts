import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startGatehousePair, type GatehousePair } from './support/start-gatehouse-pair.js';
import { TEST_USERS } from './support/test-seed.js';

/**
 * The fast tRPC path (http/fast-trpc: the lane before Fastify; what it does
 * not take goes to the stock adapter) against tRPC's own Fastify adapter, over one
 * shared state: every request goes to both, and the answers must agree in
 * status, body (request ids and clocks masked) and every header but those
 * that differ between any two answers (Date, the request id's value) or by
 * framing (tRPC's adapter streams its body chunked; the fast path sends a
 * Content-Length).
 */
const HEADERS_THAT_DIFFER = ['date', 'x-request-id', 'content-length', 'transfer-encoding'] as const;

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | null>;
  readonly body: unknown;
  readonly requestId: boolean;
}

let pair: GatehousePair;
let aliceToken: string;

beforeAll(async () => {
  pair = await startGatehousePair();
  const login = await fetch(`${pair.fastUrl}/trpc/auth.login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: TEST_USERS.alice.email, password: TEST_USERS.alice.password }),
  });
  aliceToken = ((await login.json()) as { result: { data: { accessToken: string } } }).result.data.accessToken;
});
afterAll(() => pair.close());

async function ask(baseUrl: string, pathAndQuery: string, init: RequestInit, options: { exactBudget?: boolean } = {}): Promise<Answer> {
  const response = await fetch(`${baseUrl}/trpc/${pathAndQuery}`, init);
  const text = await response.text();
  const headers: Record<string, string | null> = {};
  response.headers.forEach((value, name) => {
    if (!(HEADERS_THAT_DIFFER as readonly string[]).includes(name)) headers[name] = value;
  });
  // Fetch folds repeated Set-Cookie headers into one value; compare the list.
  if (response.headers.getSetCookie().length > 0) headers['set-cookie'] = response.headers.getSetCookie().join(' | ');
  if (options.exactBudget !== true) {
    // Both hosts share one budget and are asked at once, so the remaining count differs by the other's call.
    headers['x-ratelimit-remaining'] = headers['x-ratelimit-remaining']?.replace(/^\d+$/, '<n>') ?? null;
    headers['ratelimit'] = headers['ratelimit']?.replace(/;r=\d+;t=\d+/, ';r=<n>;t=<s>') ?? null;
    // Asked a moment apart, the two can straddle a second: reset times are compared exactly where Date is frozen (429s below).
    headers['x-ratelimit-reset'] = headers['x-ratelimit-reset']?.replace(/^\d+$/, '<s>') ?? null;
  }
  const requestId = /^[0-9a-f-]{36}$/.test(response.headers.get('x-request-id') ?? '');
  return { status: response.status, headers, body: mask(text === '' ? undefined : JSON.parse(text)), requestId };
}

/** Request ids, ids and clocks differ between any two requests; everything else must not. */
function mask(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(mask);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [key, ['requestId', 'time', 'id', 'createdAt'].includes(key) ? '<masked>' : mask(inner)]),
  );
}

async function askBoth(pathAndQuery: string, init: RequestInit = {}): Promise<Answer> {
  const [fast, stock] = await Promise.all([ask(pair.fastUrl, pathAndQuery, init), ask(pair.stockUrl, pathAndQuery, init)]);
  expect(fast).toEqual(stock);
  return fast;
}

const asAlice = (extra: Record<string, string> = {}) => ({ authorization: `Bearer ${aliceToken}`, ...extra });
const json = { 'content-type': 'application/json' };
const input = (value: unknown) => `input=${encodeURIComponent(JSON.stringify(value))}`;
const ORDER = {
  items: [{ productId: 7, quantity: 2 }],
  shippingAddress: { line1: '12 Main Street, Apt. 4', city: 'Berlin', postalCode: '10115', country: 'DE' },
  paymentMethod: 'credit_card',
};

describe('the fast tRPC path answers exactly like tRPC’s Fastify adapter', () => {
  it('a public query and a protected query', async () => {
    expect((await askBoth('health')).status).toBe(200);
    const me = await askBoth('users.me', { headers: asAlice() });
    expect(me.status).toBe(200);
    expect(me.headers['cache-control']).toBe('no-store');
    expect(me.requestId).toBe(true);
  });

  it('a mutation with a JSON body, and one with invalid input', async () => {
    expect((await askBoth('orders.create', { method: 'POST', headers: asAlice(json), body: JSON.stringify(ORDER) })).status).toBe(200);
    const invalid = await askBoth('orders.create', { method: 'POST', headers: asAlice(json), body: JSON.stringify({ ...ORDER, items: [] }) });
    expect(invalid.status).toBe(400);
    const empty = await askBoth('orders.create', { method: 'POST', headers: asAlice(json), body: '' });
    expect(empty.status).toBe(400);
  });

  it('401 without a credential and with a bad one, 403 for a missing scope', async () => {
    const missing = await askBoth('users.me');
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="gatehouse"');
    const invalid = await askBoth('users.me', { headers: { authorization: 'Bearer not.a.token' } });
    expect(invalid.status).toBe(401);
    expect(invalid.headers['www-authenticate']).toContain('error="invalid_token"');
    const malformed = await askBoth('users.me', { headers: { authorization: 'Basic abc' } });
    expect(malformed.status).toBe(401);
    const forbidden = await askBoth('admin.users.list', { headers: asAlice() });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers['www-authenticate']).toContain('error="insufficient_scope"');
  });

  it('unknown procedures, bad path encoding and the wrong method', async () => {
    expect((await askBoth('users.nope', { headers: asAlice() })).status).toBe(404);
    expect((await askBoth('%E0%A4%A', { headers: asAlice() })).status).toBe(400);
    const mutationByGet = await askBoth('orders.create', { headers: asAlice() });
    expect(mutationByGet.status).toBe(405);
    expect(mutationByGet.headers['allow']).toBe('POST');
    expect((await askBoth('users.me', { method: 'POST', headers: asAlice(json), body: '{}' })).status).toBe(405);
  });

  it('input that is not JSON: 400 for a caller, but auth comes first', async () => {
    expect((await askBoth('users.byId?input=%7Bnot-json', { headers: asAlice() })).status).toBe(400);
    expect((await askBoth('users.byId?input=%7Bnot-json')).status).toBe(401);
    expect((await askBoth('orders.create', { method: 'POST', headers: asAlice(json), body: '{"items":' })).status).toBe(400);
  });

  it('credentials in the query string are refused before anything else', async () => {
    expect((await askBoth('users.me?access_token=leaked', { headers: asAlice() })).status).toBe(400);
  });

  it('a batch whose calls end differently answers 207 with each call’s own status', async () => {
    const batch = await askBoth(`users.me,users.byId,users.nope,admin.users.list?batch=1&${input({ 1: { id: 'not-a-uuid' } })}`, {
      headers: asAlice(),
    });
    expect(batch.status).toBe(207);
    const statuses = (batch.body as Array<{ error?: { data: { httpStatus: number } } }>).map((item) => item.error?.data.httpStatus ?? 200);
    expect(statuses).toEqual([200, 400, 404, 403]);
    expect(batch.headers['www-authenticate']).toContain('insufficient_scope');
    const allFine = await askBoth(`health,users.me?batch=1&${input({})}`, { headers: asAlice() });
    expect(allFine.status).toBe(200);
  });

  it('batches that cannot run at all: too many calls, mixed kinds, inputs not an object', async () => {
    const eleven = Array.from({ length: 11 }, () => 'health').join(',');
    expect((await askBoth(`${eleven}?batch=1`)).status).toBe(400);
    expect((await askBoth('users.me,orders.create?batch=1', { headers: asAlice() })).status).toBe(400);
    expect((await askBoth(`users.me?batch=1&input=${encodeURIComponent('[1]')}`, { headers: asAlice() })).status).toBe(400);
    expect((await askBoth(`users.byId?batch=1&input=${encodeURIComponent('"x"')}`, { headers: asAlice() })).status).toBe(400);
    const mutations = await askBoth('orders.create,orders.create?batch=1', {
      method: 'POST',
      headers: asAlice(json),
      body: JSON.stringify({ 0: ORDER, 1: { ...ORDER, paymentMethod: 'bitcoin' } }),
    });
    expect(mutations.status).toBe(207);
  });

  it('what only tRPC’s adapter serves is handed to it: other content types, streaming batches, HEAD', async () => {
    expect((await askBoth('orders.create', { method: 'POST', headers: asAlice({ 'content-type': 'text/plain' }), body: '{}' })).status).toBe(415);
    const form = new FormData();
    form.set('name', 'x');
    expect((await askBoth('users.update', { method: 'POST', headers: asAlice(), body: form })).status).toBe(400);
    const streamed = await Promise.all(
      [pair.fastUrl, pair.stockUrl].map(async (url) => {
        const response = await fetch(`${url}/trpc/health,users.me?batch=1&input=%7B%7D`, { headers: asAlice({ 'trpc-accept': 'application/jsonl' }) });
        return { status: response.status, type: response.headers.get('content-type'), lines: (await response.text()).split('\n').length };
      }),
    );
    expect(streamed[0]).toEqual(streamed[1]);
    const head = await Promise.all([pair.fastUrl, pair.stockUrl].map(async (url) => (await fetch(`${url}/trpc/health`, { method: 'HEAD' })).status));
    expect(head[0]).toBe(head[1]);
  });
});

describe('the fast lane answers edges exactly like Fastify’s hooks and tRPC’s adapter', () => {
  const APP = 'https://app.example.com';
  let edged: GatehousePair;
  let token: string;
  beforeAll(async () => {
    // Loopback is a trusted proxy here, so X-Forwarded-Proto and -For count; bodies over 4 KiB are refused.
    edged = await startGatehousePair({ GATEHOUSE_CORS_ORIGINS: APP, GATEHOUSE_TRUST_PROXY: '127.0.0.1', GATEHOUSE_BODY_LIMIT_BYTES: '4096' });
    const login = await fetch(`${edged.fastUrl}/trpc/auth.login`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email: TEST_USERS.alice.email, password: TEST_USERS.alice.password }),
    });
    token = ((await login.json()) as { result: { data: { accessToken: string } } }).result.data.accessToken;
  });
  afterAll(() => edged.close());

  async function askEdgedBoth(pathAndQuery: string, init: RequestInit = {}): Promise<Answer> {
    const [fast, stock] = await Promise.all([ask(edged.fastUrl, pathAndQuery, init), ask(edged.stockUrl, pathAndQuery, init)]);
    expect(fast).toEqual(stock);
    return fast;
  }
  const withToken = (extra: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, ...extra });

  it('CORS for a listed origin, none for an unlisted one, on successes and refusals', async () => {
    const listed = await askEdgedBoth('users.me', { headers: withToken({ origin: APP }) });
    expect(listed.headers['access-control-allow-origin']).toBe(APP);
    expect(listed.headers['access-control-allow-credentials']).toBe('true');
    const refused = await askEdgedBoth('users.me', { headers: { origin: APP } });
    expect(refused.status).toBe(401);
    expect(refused.headers['access-control-expose-headers']).toContain('www-authenticate');
    const unlisted = await askEdgedBoth('health', { headers: { origin: 'https://evil.example.com' } });
    expect(unlisted.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('HSTS when a trusted proxy says the request came over HTTPS, and the security headers always', async () => {
    const proxied = await askEdgedBoth('users.me', { headers: withToken({ 'x-forwarded-proto': 'https', 'x-forwarded-for': '198.51.100.77' }) });
    expect(proxied.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(proxied.headers['content-security-policy']).toContain("default-src 'none'");
    expect(proxied.headers['x-content-type-options']).toBe('nosniff');
    const plain = await askEdgedBoth('health');
    expect(plain.headers['strict-transport-security']).toBeUndefined();
  });

  it('JSON bodies: a charset parameter, multi-byte UTF-8, a chunked body and other spellings Fastify judges', async () => {
    const renamed = await askEdgedBoth('users.update', {
      method: 'POST',
      headers: withToken({ 'content-type': 'application/json; charset=utf-8' }),
      body: JSON.stringify({ name: 'Zoë Ångström 東京' }),
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ result: { data: { name: 'Zoë Ångström 東京' } } });
    const upperCase = await askEdgedBoth('users.update', { method: 'POST', headers: withToken({ 'content-type': 'Application/JSON' }), body: '{"name":"Ada"}' });
    expect(upperCase.status).toBe(200);
    const chunked = await Promise.all(
      [edged.fastUrl, edged.stockUrl].map(async (baseUrl) => {
        const body = new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"name":'));
            controller.enqueue(new TextEncoder().encode('"Grace"}'));
            controller.close();
          },
        });
        const response = await fetch(`${baseUrl}/trpc/users.update`, { method: 'POST', headers: withToken(json), body, duplex: 'half' } as RequestInit);
        return { status: response.status, body: mask(await response.json()) };
      }),
    );
    expect(chunked[0]).toEqual(chunked[1]);
    expect(chunked[0]!.status).toBe(200);
  });

  it('bodies over the limit are 413 in tRPC’s shape; escaped paths are routed as before', async () => {
    const tooLarge = await askEdgedBoth('users.update', { method: 'POST', headers: withToken(json), body: JSON.stringify({ name: 'x'.repeat(5000) }) });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body).toMatchObject({ error: { data: { code: 'PAYLOAD_TOO_LARGE', httpStatus: 413 } } });
    expect((await askEdgedBoth('users%2Eme', { headers: withToken() })).status).toBe(200);
    expect((await askEdgedBoth('users.me/', { headers: withToken() })).status).toBe(404);
  });
});

describe('the fast tRPC path answers 429s exactly like tRPC’s Fastify adapter', () => {
  let limited: GatehousePair;
  // Two public calls per client IP; loopback is a trusted proxy, so each host is asked as a client of its own.
  beforeAll(async () => {
    limited = await startGatehousePair({ GATEHOUSE_LIMIT_PUBLIC: '2/60', GATEHOUSE_TRUST_PROXY: '127.0.0.1', GATEHOUSE_ENUMERATION_LIMIT: '3/60' });
  });
  afterAll(() => limited.close());
  let nextIp = 201;
  // Date alone is frozen (timers run): both hosts then compute the same reset times, Retry-After and rateLimit data to the millisecond.
  beforeEach(() => void vi.useFakeTimers({ toFake: ['Date'], now: Date.now() }));
  afterEach(() => void vi.useRealTimers());

  /**
   * The same sequence of calls to each host in turn, each from its own client IP (and with its own
   * extra headers, such as another user's token); every answer must match its twin.
   */
  async function askInTurn(
    calls: ReadonlyArray<readonly [string, RequestInit]>,
    extra: { readonly fast?: Record<string, string>; readonly stock?: Record<string, string> } = {},
  ): Promise<Answer[]> {
    const run = async (baseUrl: string, ip: string, own: Record<string, string> = {}) => {
      const answers: Answer[] = [];
      for (const [pathAndQuery, init] of calls) {
        const headers = { ...(init.headers as Record<string, string> | undefined), ...own, 'x-forwarded-for': ip };
        answers.push(await ask(baseUrl, pathAndQuery, { ...init, headers }, { exactBudget: true }));
      }
      return answers;
    };
    const fast = await run(limited.fastUrl, `198.51.100.${nextIp++}`, extra.fast);
    const stock = await run(limited.stockUrl, `198.51.100.${nextIp++}`, extra.stock);
    expect(fast).toEqual(stock);
    return fast;
  }

  it('a public budget running out: 401, 401, then 429 with Retry-After, rate-limit headers and data', async () => {
    const refresh = ['auth.refresh', { method: 'POST', headers: json, body: JSON.stringify({ refreshToken: 'not-a-refresh-token' }) }] as const;
    const answers = await askInTurn([refresh, refresh, refresh]);
    expect(answers.map((answer) => answer.status)).toEqual([401, 401, 429]);
    const refused = answers[2]!;
    expect(refused.headers).toMatchObject({ 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '0', 'ratelimit-policy': '"public";q=2;w=60' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.body).toMatchObject({ error: { data: { httpStatus: 429, rateLimit: { limit: 2, remaining: 0, policy: 'public' } } } });
  });

  it('a batch costing more than the budget is refused whole, before any call runs', async () => {
    const login = JSON.stringify({ 0: { email: TEST_USERS.bob.email, password: 'wrong' }, 1: { email: TEST_USERS.bob.email, password: 'wrong' }, 2: { email: TEST_USERS.bob.email, password: 'wrong' } });
    const answers = await askInTurn([[`auth.login,auth.login,auth.login?batch=1`, { method: 'POST', headers: json, body: login }]]);
    expect(answers[0]!.status).toBe(429);
    expect(answers[0]!.headers['ratelimit-policy']).toBe('"public";q=2;w=60');
  });

  it('an enumeration block: 404s, then 429 with the abuse.enumeration policy’s headers and data', async () => {
    // Two principals (the budget and the block are per principal too), each logged in from an IP of its own.
    const tokens = await Promise.all(
      [TEST_USERS.alice, TEST_USERS.bob].map(async (user, index) => {
        const response = await fetch(`${limited.fastUrl}/trpc/auth.login`, {
          method: 'POST',
          headers: { ...json, 'x-forwarded-for': `198.51.100.${180 + index}` },
          body: JSON.stringify({ email: user.email, password: user.password }),
        });
        return ((await response.json()) as { result: { data: { accessToken: string } } }).result.data.accessToken;
      }),
    );
    const miss = [`users.byId?${input({ id: '00000000-0000-4000-8000-000000000000' })}`, {}] as const;
    const answers = await askInTurn([miss, miss, miss, miss, miss], {
      fast: { authorization: `Bearer ${tokens[0]}` },
      stock: { authorization: `Bearer ${tokens[1]}` },
    });
    expect(answers.map((answer) => answer.status)).toEqual([404, 404, 404, 404, 429]);
    expect(answers[4]!.headers).toMatchObject({ 'x-ratelimit-limit': '3', 'x-ratelimit-remaining': '0', 'ratelimit-policy': '"abuse.enumeration";q=3;w=60' });
  });
});
