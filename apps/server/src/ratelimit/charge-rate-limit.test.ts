import { defineQuery, noInput, type ContractTree } from '@gatehouse/contracts';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { z } from 'zod';
import { createRecordedSecurityEvents } from '../../test-support/recorded-security-events.js';
import type { Principal } from '../auth/principal.js';
import type { SecurityEvents } from '../audit/security-events.js';
import { parseConfig } from '../config.js';
import { createDependencies, type Dependencies } from '../dependencies.js';
import { RateLimitExceededError } from '../errors/rate-limit-exceeded-error.js';
import { createLogger } from '../http/logger.js';
import { createRequestContext } from '../context.js';
import { buildRouter } from '../routers/build-router.js';
import { createResponseHeaders } from '../response-headers.js';
import { t } from '../trpc.js';
import { chargeRateLimit, type RateLimitedCall } from './charge-rate-limit.js';
import { createRateLimits, type RateLimits } from './rate-limits.js';
import { resolvePolicyTable } from './resolve-policy.js';

const ok = z.object({ ok: z.literal(true) });
const testContracts = {
  tight: defineQuery({
    summary: 'A contract with its own short window',
    input: noInput,
    output: ok,
    auth: 'public',
    rateLimit: { name: 'test.tight', points: 2, durationSeconds: 1, key: 'ip' },
  }),
  pricey: defineQuery({
    summary: 'Each call costs two of three points',
    input: noInput,
    output: ok,
    auth: 'public',
    rateLimit: { name: 'test.pricey', points: 3, durationSeconds: 60, key: 'ip', cost: 2 },
  }),
  free: defineQuery({ summary: 'Never limited', input: noInput, output: ok, auth: 'public', rateLimit: 'none' }),
} satisfies ContractTree;

const router = buildRouter(testContracts, {
  tight: async () => ({ ok: true as const }),
  pricey: async () => ({ ok: true as const }),
  free: async () => ({ ok: true as const }),
});
const createCaller = t.createCallerFactory(router);

let deps: Dependencies;
beforeAll(async () => {
  const config = parseConfig({ GATEHOUSE_ENV: 'test', GATEHOUSE_BCRYPT_COST: '4', GATEHOUSE_LOG_LEVEL: 'silent' });
  deps = await createDependencies(config, createLogger(config));
});
afterAll(() => deps.close());

/** One HTTP request's context, as the tRPC route builds it. */
const caller = (ip: string, calls: string[]) =>
  createCaller(createRequestContext(deps, { id: 'test-request', ip, url: '/trpc', headers: {} }, calls));

async function refusal(call: Promise<unknown>): Promise<RateLimitExceededError> {
  const error = await call.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(TRPCError);
  expect((error as TRPCError).code).toBe('TOO_MANY_REQUESTS');
  expect((error as TRPCError).cause).toBeInstanceOf(RateLimitExceededError);
  return (error as TRPCError).cause as RateLimitExceededError;
}

describe('chargeRateLimit', () => {
  it('enforces a contract’s own policy and lets the key through again after its window', async () => {
    // rate-limiter-flexible's memory store reads its window from Date: moved by hand, it ends without a sleep.
    vi.useFakeTimers({ toFake: ['Date'] });
    onTestFinished(() => void vi.useRealTimers());
    await caller('192.0.2.1', ['tight']).tight();
    await caller('192.0.2.1', ['tight']).tight();
    const exceeded = await refusal(caller('192.0.2.1', ['tight']).tight());
    expect(exceeded.data).toMatchObject({ policy: 'test.tight', limit: 2, remaining: 0 });
    expect(exceeded.data.retryAfterMs).toBeLessThanOrEqual(1_000);
    await expect(caller('192.0.2.2', ['tight']).tight()).resolves.toEqual({ ok: true });
    vi.setSystemTime(Date.now() + exceeded.data.retryAfterMs + 1);
    await expect(caller('192.0.2.1', ['tight']).tight()).resolves.toEqual({ ok: true });
  });

  it('charges a call its declared cost', async () => {
    await caller('192.0.2.3', ['pricey']).pricey();
    const exceeded = await refusal(caller('192.0.2.3', ['pricey']).pricey());
    expect(exceeded.data.policy).toBe('test.pricey');
  });

  it('never limits a contract declaring none', async () => {
    for (let call = 0; call < 20; call += 1) await expect(caller('192.0.2.4', ['free']).free()).resolves.toEqual({ ok: true });
  });
});

describe('chargeRateLimit, with the limiters built in each test', () => {
  const perPrincipal = defineQuery({
    summary: 'Counted per caller, anonymous callers per IP',
    input: noInput,
    output: ok,
    auth: 'public',
    rateLimit: { name: 'test.per-principal', points: 2, durationSeconds: 60, key: 'principal' },
  });
  const perIp = testContracts.tight;
  const user = (userId: string): Principal => ({
    kind: 'user',
    userId,
    scopes: [],
    credential: { type: 'access_token', jti: `jti-${userId}`, clientId: 'web', expiresAt: Date.now() + 60_000 },
  });

  async function rateLimits(): Promise<RateLimits> {
    const config = parseConfig({ GATEHOUSE_ENV: 'test', GATEHOUSE_LOG_LEVEL: 'silent' });
    const limits = await createRateLimits(config, { logger: createLogger(config), redis: undefined });
    onTestFinished(() => limits.close());
    return limits;
  }

  /** One HTTP request from `ip` whose calls are `calls`. */
  const requestFrom = (ip: string, limits: RateLimits, events: SecurityEvents, calls: string[] = ['x']): RateLimitedCall => ({
    ip,
    requestId: `req-${ip}`,
    deps: { rateLimits: limits, events },
    rateLimit: limits.forRequest(calls),
    responseHeaders: createResponseHeaders(),
  });
  const headersOf = (ctx: RateLimitedCall) => Object.fromEntries(ctx.responseHeaders.entries());

  it('counts a principal-keyed policy per caller, wherever it calls from, and an anonymous caller per IP', async () => {
    const limits = await rateLimits();
    const { events } = createRecordedSecurityEvents();
    await chargeRateLimit(requestFrom('192.0.2.10', limits, events), perPrincipal, user('u-1'), 'p');
    await chargeRateLimit(requestFrom('192.0.2.11', limits, events), perPrincipal, user('u-1'), 'p');
    await refusal(chargeRateLimit(requestFrom('192.0.2.12', limits, events), perPrincipal, user('u-1'), 'p'));
    // Another caller on the same IP, and an anonymous caller, keep their own budgets.
    await chargeRateLimit(requestFrom('192.0.2.12', limits, events), perPrincipal, user('u-2'), 'p');
    const anonymous = requestFrom('192.0.2.12', limits, events);
    await chargeRateLimit(anonymous, perPrincipal, undefined, 'p');
    expect(headersOf(anonymous)).toMatchObject({ 'x-ratelimit-remaining': '1', 'ratelimit-policy': '"test.per-principal";q=2;w=60' });
    await chargeRateLimit(requestFrom('192.0.2.12', limits, events), perPrincipal, undefined, 'p');
    await refusal(chargeRateLimit(requestFrom('192.0.2.12', limits, events), perPrincipal, undefined, 'p'));
  });

  it('counts an IP-keyed policy per client IP, whoever signs in, and an IPv6 client by its /64', async () => {
    const limits = await rateLimits();
    const { events } = createRecordedSecurityEvents();
    await chargeRateLimit(requestFrom('2001:db8:5:5::1', limits, events), perIp, user('u-3'), 'tight');
    await chargeRateLimit(requestFrom('2001:db8:5:5::2', limits, events), perIp, user('u-4'), 'tight');
    await refusal(chargeRateLimit(requestFrom('2001:db8:5:5::3', limits, events), perIp, undefined, 'tight'));
    await chargeRateLimit(requestFrom('2001:db8:5:6::1', limits, events), perIp, undefined, 'tight');
  });

  it('answers a refused batch with one ratelimit.exceeded event, the 429’s headers and the caller’s principal', async () => {
    const limits = await rateLimits();
    const { events, recorded } = createRecordedSecurityEvents();
    await chargeRateLimit(requestFrom('192.0.2.13', limits, events), perPrincipal, user('u-5'), 'p');
    await chargeRateLimit(requestFrom('192.0.2.13', limits, events), perPrincipal, user('u-5'), 'p');
    const batch = requestFrom('192.0.2.13', limits, events, ['p', 'p']);
    const exceeded = await refusal(chargeRateLimit(batch, perPrincipal, user('u-5'), 'p'));
    await refusal(chargeRateLimit(batch, perPrincipal, user('u-5'), 'p'));
    expect(exceeded.data).toMatchObject({ policy: 'test.per-principal', limit: 2, remaining: 0 });
    expect(headersOf(batch)).toMatchObject({ 'x-ratelimit-remaining': '0', 'retry-after': expect.any(String) });
    const anonymous = requestFrom('192.0.2.14', limits, events);
    await chargeRateLimit(anonymous, perIp, undefined, 'tight');
    await chargeRateLimit(requestFrom('192.0.2.14', limits, events), perIp, undefined, 'tight');
    await refusal(chargeRateLimit(requestFrom('192.0.2.14', limits, events), perIp, undefined, 'tight'));
    expect(recorded()).toEqual([
      expect.objectContaining({ type: 'ratelimit.exceeded', ip: '192.0.2.13', requestId: 'req-192.0.2.13', principal: 'user:u-5', details: { path: 'p', policy: 'test.per-principal' } }),
      expect.objectContaining({ type: 'ratelimit.exceeded', ip: '192.0.2.14', details: { path: 'tight', policy: 'test.tight' } }),
    ]);
    expect(recorded()[1]).not.toHaveProperty('principal');
  });

  it('writes no headers for an unlimited procedure, nor over a tighter budget the batch already met', async () => {
    const limits = await rateLimits();
    const { events } = createRecordedSecurityEvents();
    const unlimited = requestFrom('192.0.2.15', limits, events);
    await chargeRateLimit(unlimited, testContracts.free, undefined, 'free');
    expect(headersOf(unlimited)).toEqual({});
    const batch = requestFrom('192.0.2.15', limits, events);
    batch.rateLimit.consider({ policy: 'tighter', limit: 9, remaining: 0, windowSeconds: 60, resetAtMs: Date.now() + 1_000, refused: false });
    await chargeRateLimit(batch, perIp, undefined, 'tight');
    expect(headersOf(batch)).toEqual({});
  });
});

describe('resolvePolicyTable', () => {
  const limits = { public: { points: 100, durationSeconds: 3600 }, authenticated: { points: 600, durationSeconds: 60 } };

  it('stops start-up for a cost above the budget', () => {
    const tree = {
      bad: defineQuery({ summary: 'x', input: noInput, output: ok, auth: 'public', rateLimit: { name: 'bad', points: 1, durationSeconds: 1, key: 'ip', cost: 2 } }),
    } satisfies ContractTree;
    expect(() => resolvePolicyTable(limits, tree)).toThrow(RangeError);
  });

  it('gives public procedures the per-IP default and protected ones the per-principal default', () => {
    const table = resolvePolicyTable(limits);
    expect(table.get('health')).toBeUndefined();
    expect(table.get('auth.login')).toMatchObject({ name: 'public', points: 100, durationSeconds: 3600, key: 'ip' });
    expect(table.get('users.me')).toMatchObject({ name: 'authenticated', points: 600, durationSeconds: 60, key: 'principal' });
    expect(table.get('auth.register')).toMatchObject({ name: 'auth.register', points: 10, key: 'ip' });
  });
});
