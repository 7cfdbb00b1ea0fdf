import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { createRecordedSecurityEvents } from '../../test-support/recorded-security-events.js';
import type { SecurityEvents } from '../audit/security-events.js';
import { RateLimitExceededError } from '../errors/rate-limit-exceeded-error.js';
import { createResponseHeaders } from '../response-headers.js';
import { createLimiter } from './create-limiter.js';
import { chargeDenial, createRefusalBudgets, REFUSAL_POLICY_NAMES, withFailedAuthBudget, type RefusalBudgets, type RefusalContext } from './refusal-budgets.js';
import { createRequestRateLimit } from './request-rate-limit.js';

const limits = { failedAuth: { points: 2, durationSeconds: 60 }, denied: { points: 2, durationSeconds: 60 } };

/** A credential the verifier refused (bad, forged, expired): what the failed-auth budget counts. */
class RefusedCredential extends Error {}
const isRefusedCredential = (error: unknown) => error instanceof RefusedCredential;

/** One HTTP request from `ip`, as a request context carries the budgets: its own batch state and response headers. */
function requestFrom(ip: string, refusals: RefusalBudgets, events: SecurityEvents): RefusalContext {
  return {
    ip,
    requestId: `req-${ip}`,
    deps: { events, rateLimits: { refusals } },
    rateLimit: createRequestRateLimit({ calls: [], policyForPath: () => undefined, limiterFor: (policy) => createLimiter(policy, { kind: 'memory' }) }),
    responseHeaders: createResponseHeaders(),
  };
}

const headersOf = (ctx: RefusalContext) => Object.fromEntries(ctx.responseHeaders.entries());

async function rejectionOf(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => expect.unreachable('the call should have been refused'),
    (error: unknown) => error,
  );
}

async function tooManyRequests(call: Promise<unknown>): Promise<RateLimitExceededError> {
  const error = await rejectionOf(call);
  expect(error).toBeInstanceOf(TRPCError);
  expect((error as TRPCError).code).toBe('TOO_MANY_REQUESTS');
  expect((error as TRPCError).cause).toBeInstanceOf(RateLimitExceededError);
  return (error as TRPCError).cause as RateLimitExceededError;
}

describe('the failed-authentication budget', () => {
  it('answers 401s up to the budget, 429 for the failure past it, and then 429 without verifying anything', async () => {
    const { events, recorded } = createRecordedSecurityEvents();
    const budgets = createRefusalBudgets(limits, { kind: 'memory' });
    let verified = 0;
    const forged = () => {
      verified += 1;
      return Promise.reject(new RefusedCredential());
    };
    for (let failure = 0; failure < 2; failure += 1) {
      expect(await rejectionOf(withFailedAuthBudget(requestFrom('198.51.100.1', budgets, events), forged, isRefusedCredential))).toBeInstanceOf(
        RefusedCredential,
      );
    }
    expect(budgets.failedAuthSpent('198.51.100.1')).toBeUndefined();
    const spending = requestFrom('198.51.100.1', budgets, events);
    const spent = await tooManyRequests(withFailedAuthBudget(spending, forged, isRefusedCredential));
    expect(spent.data).toMatchObject({ policy: 'auth.failed:ip', limit: 2, remaining: 0 });
    expect(headersOf(spending)).toMatchObject({ 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '0', 'retry-after': expect.any(String) });
    expect(verified).toBe(3);

    const blocked = requestFrom('198.51.100.1', budgets, events);
    const refused = await tooManyRequests(withFailedAuthBudget(blocked, forged, isRefusedCredential));
    expect(refused.data.policy).toBe(REFUSAL_POLICY_NAMES.failedAuth);
    expect(verified).toBe(3); // the flood costs a map lookup, not a verification
    expect(headersOf(blocked)['retry-after']).toBeDefined();
    expect(recorded().filter((event) => event.type === 'ratelimit.exceeded')).toEqual([
      expect.objectContaining({ ip: '198.51.100.1', requestId: 'req-198.51.100.1', details: { path: null, policy: 'auth.failed:ip' } }),
      expect.objectContaining({ ip: '198.51.100.1', details: { path: null, policy: 'auth.failed:ip' } }),
    ]);
    // Another client keeps its own budget.
    await expect(withFailedAuthBudget(requestFrom('198.51.100.2', budgets, events), () => Promise.resolve('principal'), isRefusedCredential)).resolves.toBe(
      'principal',
    );
  });

  it('charges only failures: a valid credential and an error that is not a refused credential cost nothing', async () => {
    const { events } = createRecordedSecurityEvents();
    const budgets = createRefusalBudgets(limits, { kind: 'memory' });
    for (let call = 0; call < 3; call += 1) {
      await expect(withFailedAuthBudget(requestFrom('198.51.100.3', budgets, events), () => Promise.resolve(call), isRefusedCredential)).resolves.toBe(call);
      const storeDown = new Error('store unavailable');
      expect(await rejectionOf(withFailedAuthBudget(requestFrom('198.51.100.3', budgets, events), () => Promise.reject(storeDown), isRefusedCredential))).toBe(
        storeDown,
      );
    }
    const first = await budgets.chargeFailedAuth('198.51.100.3');
    expect(first).toMatchObject({ policy: 'auth.failed:ip', remaining: 1, refused: false });
  });

  it('counts every address of one IPv6 /64 as one client', async () => {
    const budgets = createRefusalBudgets(limits, { kind: 'memory' });
    await budgets.chargeFailedAuth('2001:db8:7:7::1');
    await budgets.chargeFailedAuth('2001:db8:7:7::2');
    expect(await budgets.chargeFailedAuth('2001:db8:7:7::3')).toMatchObject({ refused: true });
    expect(budgets.failedAuthSpent('2001:db8:7:7::ffff')).toMatchObject({ policy: 'auth.failed:ip', refused: true });
    expect(budgets.failedAuthSpent('2001:db8:7:8::1')).toBeUndefined();
  });

  it('remembers a spent budget until it resets, by the injected clock', async () => {
    let nowMs = Date.parse('2030-01-01T00:00:00.000Z');
    const budgets = createRefusalBudgets(limits, { kind: 'memory' }, () => nowMs);
    for (let failure = 0; failure < 3; failure += 1) await budgets.chargeFailedAuth('198.51.100.4');
    const spent = budgets.failedAuthSpent('198.51.100.4');
    expect(spent?.resetAtMs).toBeGreaterThan(nowMs + 59_000);
    expect(spent?.resetAtMs).toBeLessThanOrEqual(nowMs + 60_000);
    nowMs = (spent?.resetAtMs ?? 0) - 1;
    expect(budgets.failedAuthSpent('198.51.100.4')).toBe(spent);
    nowMs += 1;
    expect(budgets.failedAuthSpent('198.51.100.4')).toBeUndefined();
    // Forgotten, not hidden: the clock going back does not bring the block back.
    nowMs -= 1;
    expect(budgets.failedAuthSpent('198.51.100.4')).toBeUndefined();
  });

  it('remembers at most 10,000 spent IPs, forgetting the one blocked longest ago', async () => {
    const budgets = createRefusalBudgets({ ...limits, failedAuth: { points: 1, durationSeconds: 60 } }, { kind: 'memory' });
    const ip = (index: number) => `10.${Math.floor(index / 65_536)}.${Math.floor(index / 256) % 256}.${index % 256}`;
    const block = async (index: number) => {
      await budgets.chargeFailedAuth(ip(index));
      return budgets.chargeFailedAuth(ip(index));
    };
    for (let index = 0; index < 10_000; index += 1) await block(index);
    expect(budgets.failedAuthSpent(ip(0))).toBeDefined();
    // Refused again, the first IP becomes the most recent block; the next new one pushes out the second.
    expect(await budgets.chargeFailedAuth(ip(0))).toMatchObject({ refused: true });
    await block(10_000);
    expect(budgets.failedAuthSpent(ip(1))).toBeUndefined();
    expect(budgets.failedAuthSpent(ip(0))).toBeDefined();
    expect(budgets.failedAuthSpent(ip(2))).toBeDefined();
    expect(budgets.failedAuthSpent(ip(10_000))).toBeDefined();
  });
});

describe('the denied-calls budget', () => {
  it('lets denials through with the budget’s headers, then answers 429 naming the principal and the path', async () => {
    const { events, recorded } = createRecordedSecurityEvents();
    const budgets = createRefusalBudgets(limits, { kind: 'memory' });
    const first = requestFrom('198.51.100.5', budgets, events);
    await chargeDenial(first, 'user:u-1', 'admin.users.list');
    expect(headersOf(first)).toMatchObject({ 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '1', 'ratelimit-policy': '"authz.denied:ip";q=2;w=60' });
    expect(headersOf(first)['retry-after']).toBeUndefined();
    await chargeDenial(requestFrom('198.51.100.5', budgets, events), 'user:u-2', 'admin.users.list');
    // The failed-auth budget of the same IP is a different one.
    expect(await budgets.chargeFailedAuth('198.51.100.5')).toMatchObject({ remaining: 1, refused: false });
    const third = requestFrom('198.51.100.5', budgets, events);
    const refused = await tooManyRequests(chargeDenial(third, 'user:u-3', 'orders.get'));
    expect(refused.data).toMatchObject({ policy: 'authz.denied:ip', limit: 2, remaining: 0 });
    expect(headersOf(third)['retry-after']).toBeDefined();
    expect(recorded()).toEqual([
      expect.objectContaining({
        type: 'ratelimit.exceeded',
        ip: '198.51.100.5',
        requestId: 'req-198.51.100.5',
        principal: 'user:u-3',
        details: { path: 'orders.get', policy: REFUSAL_POLICY_NAMES.denied },
      }),
    ]);
  });

  it('leaves a tighter budget’s headers in place when a batch already met one', async () => {
    const { events } = createRecordedSecurityEvents();
    const budgets = createRefusalBudgets(limits, { kind: 'memory' });
    const batch = requestFrom('198.51.100.6', budgets, events);
    batch.rateLimit.consider({ policy: 'tighter', limit: 9, remaining: 0, windowSeconds: 60, resetAtMs: Date.now() + 1_000, refused: false });
    await chargeDenial(batch, 'user:u-1', 'admin.users.list');
    expect(headersOf(batch)).toEqual({});
  });
});
