import { defineQuery, noInput, type ContractTree } from '@gatehouse/contracts';
import { TRPCError } from '@trpc/server';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AuthFailureError } from '../errors/auth-failure-error.js';
import { parseConfig } from '../config.js';
import { createDependencies, type Dependencies } from '../dependencies.js';
import { RateLimitExceededError } from '../errors/rate-limit-exceeded-error.js';
import { createLogger } from '../http/logger.js';
import { createRequestContext, type RequestContext } from '../context.js';
import { t } from '../trpc.js';
import { buildRouter } from './build-router.js';

// contractResolver decides per contract which checks run; these hold it to the same rules as the middlewares it replaced.
const ok = z.object({ ok: z.literal(true) });
const contracts = {
  open: defineQuery({ summary: 'public, default policy', input: noInput, output: ok, auth: 'public' }),
  free: defineQuery({ summary: 'public, never limited', input: noInput, output: ok, auth: 'public', rateLimit: 'none' }),
  mine: defineQuery({ summary: 'protected, default policy', input: noInput, output: ok, auth: { scopes: ['users:read'] } }),
  lookup: defineQuery({ summary: 'protected id lookup', input: noInput, output: ok, auth: { scopes: ['users:read'] }, idLookup: true }),
  write: defineQuery({ summary: 'protected, a scope the callers lack', input: noInput, output: ok, auth: { scopes: ['users:write'] } }),
} satisfies ContractTree;
const answer = async () => ({ ok: true as const });
const createCaller = t.createCallerFactory(buildRouter(contracts, { open: answer, free: answer, mine: answer, lookup: answer, write: answer }));

let deps: Dependencies;
beforeAll(async () => {
  const config = parseConfig({
    GATEHOUSE_ENV: 'test',
    GATEHOUSE_BCRYPT_COST: '4',
    GATEHOUSE_LOG_LEVEL: 'silent',
    GATEHOUSE_METRICS_PORT: 'off',
    GATEHOUSE_LIMIT_PUBLIC: '2/60',
    GATEHOUSE_LIMIT_AUTHENTICATED: '2/60',
  });
  deps = await createDependencies(config, createLogger(config));
});
afterAll(() => deps.close());

/** A token of a user that exists: tokens of removed users are refused (auth/principal-presence.ts). */
async function bearer(name: string): Promise<string> {
  const user = await deps.users.create({ email: `${name}-${crypto.randomUUID()}@test.gatehouse`, name, role: 'user', passwordHash: 'unused' });
  const issued = await deps.accessTokens.issue({ subject: user.id, clientId: 'gatehouse', scopes: ['users:read'], grant: 'user' });
  return `Bearer ${issued.token}`;
}

function requestContext(ip: string, path: string, options: { authorization?: string; query?: string } = {}): RequestContext {
  const headers = options.authorization === undefined ? {} : { authorization: options.authorization };
  return createRequestContext(deps, { id: 'guard-test', ip, url: `/trpc/${path}${options.query ?? ''}`, headers }, [path]);
}

async function failure(call: Promise<unknown>): Promise<TRPCError> {
  const error: unknown = await call.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

const headersOf = (ctx: RequestContext) => Object.fromEntries(ctx.responseHeaders.entries());

describe('contractResolver: the checks each contract gets', () => {
  it('limits a public procedure without its own policy by the public default', async () => {
    for (let call = 0; call < 2; call += 1) await createCaller(requestContext('198.51.100.1', 'open')).open();
    const ctx = requestContext('198.51.100.1', 'open');
    const refused = await failure(createCaller(ctx).open());
    expect(refused.code).toBe('TOO_MANY_REQUESTS');
    expect((refused.cause as RateLimitExceededError).data.policy).toBe('public');
    expect(headersOf(ctx)).toMatchObject({ 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '0' });
  });

  it('limits a protected procedure without its own policy by the authenticated default, per principal', async () => {
    const alice = await bearer('guard-alice');
    for (let call = 0; call < 2; call += 1) await createCaller(requestContext('198.51.100.2', 'mine', { authorization: alice })).mine();
    const refused = await failure(createCaller(requestContext('198.51.100.2', 'mine', { authorization: alice })).mine());
    expect(refused.cause).toBeInstanceOf(RateLimitExceededError);
    expect((refused.cause as RateLimitExceededError).data.policy).toBe('authenticated');
    // Another principal behind the same address has its own budget.
    const bob = await bearer('guard-bob');
    await expect(createCaller(requestContext('198.51.100.2', 'mine', { authorization: bob })).mine()).resolves.toEqual({ ok: true });
  });

  it('never charges a procedure declaring none: no budget spent, no rate-limit headers', async () => {
    for (let call = 0; call < 5; call += 1) {
      const ctx = requestContext('198.51.100.3', 'free');
      await expect(createCaller(ctx).free()).resolves.toEqual({ ok: true });
      expect(headersOf(ctx)).not.toHaveProperty('x-ratelimit-limit');
    }
  });

  it('answers an anonymous call to a protected procedure with 401 before it charges any budget', async () => {
    for (let call = 0; call < 3; call += 1) {
      const refused = await failure(createCaller(requestContext('198.51.100.4', 'mine')).mine());
      expect(refused.code).toBe('UNAUTHORIZED');
      expect(refused.cause).toBeInstanceOf(AuthFailureError);
    }
    const ctx = requestContext('198.51.100.4', 'mine', { authorization: await bearer('guard-carol') });
    await createCaller(ctx).mine();
    expect(headersOf(ctx)).toMatchObject({ 'x-ratelimit-remaining': '1' });
  });

  it('charges a denied call to the principal before answering 403, so repeated denials end in 429', async () => {
    const erin = await bearer('guard-erin');
    const first = requestContext('198.51.100.7', 'write', { authorization: erin });
    expect((await failure(createCaller(first).write())).code).toBe('FORBIDDEN');
    expect(headersOf(first)).toMatchObject({ 'x-ratelimit-remaining': '1' });
    expect((await failure(createCaller(requestContext('198.51.100.7', 'write', { authorization: erin })).write())).code).toBe('FORBIDDEN');
    const refused = await failure(createCaller(requestContext('198.51.100.7', 'write', { authorization: erin })).write());
    expect((refused.cause as RateLimitExceededError).data.policy).toBe('authenticated');
  });

  it('refuses a credential in the query string before authentication, on every kind of procedure', async () => {
    const query = { query: '?access_token=leaked' };
    for (const path of ['open', 'free', 'mine', 'lookup', 'write'] as const) {
      const ctx = requestContext('198.51.100.5', path, query);
      const refused = await failure(createCaller(ctx)[path]());
      expect(refused.code).toBe('BAD_REQUEST');
      expect(refused.cause).toBeUndefined();
      expect(headersOf(ctx)).not.toHaveProperty('x-ratelimit-limit');
    }
  });

  it('gives handlers of protected procedures the principal, and counts every call in the metrics', async () => {
    const seen: unknown[] = [];
    const router = buildRouter({ mine: contracts.mine }, {
      mine: async ({ ctx }) => {
        seen.push(ctx.principal);
        return { ok: true as const };
      },
    });
    const dave = await bearer('guard-dave');
    await t.createCallerFactory(router)(requestContext('198.51.100.6', 'mine', { authorization: dave })).mine();
    expect(seen).toEqual([expect.objectContaining({ kind: 'user', userId: expect.any(String) })]);
    expect((seen[0] as { userId: string }).userId).toBe(decodeJwt(dave.slice('Bearer '.length)).sub);
    // A refused call of its own, so the UNAUTHORIZED sample does not depend on an earlier test's calls.
    const anonymous = await t.createCallerFactory(router)(requestContext('198.51.100.6', 'mine', {})).mine().catch((error: unknown) => error);
    expect(anonymous).toBeInstanceOf(TRPCError);
    expect((anonymous as TRPCError).code).toBe('UNAUTHORIZED');
    expect(seen).toHaveLength(1);
    const calls = await deps.metrics.calls.get();
    expect(calls.values).toContainEqual(expect.objectContaining({ labels: { procedure: 'mine', outcome: 'UNAUTHORIZED' } }));
    expect(calls.values).toContainEqual(expect.objectContaining({ labels: { procedure: 'mine', outcome: 'ok' } }));
  });

  it('gives handlers of protected procedures the whole request context: its fields, and authenticate() answering the same principal', async () => {
    const seen: Array<{ principal: unknown; authenticated: unknown; requestId: string; ip: string; rateLimitHeaders: unknown }> = [];
    const router = buildRouter({ mine: contracts.mine }, {
      mine: async ({ ctx }) => {
        seen.push({
          principal: ctx.principal,
          authenticated: await ctx.authenticate(),
          requestId: ctx.requestId,
          ip: ctx.ip,
          rateLimitHeaders: Object.fromEntries(ctx.responseHeaders.entries())['x-ratelimit-limit'],
        });
        return { ok: true as const };
      },
    });
    const erin = await bearer('guard-erin');
    await t.createCallerFactory(router)(requestContext('198.51.100.7', 'mine', { authorization: erin })).mine();
    expect(seen).toHaveLength(1);
    expect(seen[0]?.authenticated).toBe(seen[0]?.principal);
    expect(seen[0]).toMatchObject({ requestId: 'guard-test', ip: '198.51.100.7', rateLimitHeaders: '2' });
  });
});
