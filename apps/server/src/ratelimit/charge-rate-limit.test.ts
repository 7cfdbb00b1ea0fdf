import { defineQuery, noInput, type ContractTree } from '@gatehouse/contracts';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { z } from 'zod';
import { parseConfig } from '../config.js';
import { createDependencies, type Dependencies } from '../dependencies.js';
import { RateLimitExceededError } from '../errors/rate-limit-exceeded-error.js';
import { createLogger } from '../http/logger.js';
import { createRequestContext } from '../context.js';
import { buildRouter } from '../routers/build-router.js';
import { t } from '../trpc.js';
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
