import { defineQuery, errorDataSchema, type ContractTree } from '@gatehouse/contracts';
import { TRPCError, type TRPCDefaultErrorShape } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { AuthFailureError } from '../errors/auth-failure-error.js';
import type { UserPrincipal } from '../auth/principal.js';
import { parseConfig } from '../config.js';
import { type AuthenticatedContext } from '../context.js';
import { createResponseHeaders } from '../response-headers.js';
import { createDependencies, type Dependencies } from '../dependencies.js';
import { createLogger } from '../http/logger.js';
import { formatError } from '../errors/format-error.js';
import { buildRouter } from '../routers/build-router.js';
import { StoreUnavailableError } from '../errors/store-unavailable-error.js';
import { t } from '../trpc.js';
import { enforcePolicy, type NamedPolicy } from './enforce-policy.js';
import { createPolicySubject } from './policy-subject.js';

let deps: Dependencies;
beforeAll(async () => {
  const config = parseConfig({ GATEHOUSE_ENV: 'test', GATEHOUSE_BCRYPT_COST: '4', GATEHOUSE_LOG_LEVEL: 'silent', GATEHOUSE_METRICS_PORT: 'off' });
  deps = await createDependencies(config, createLogger(config));
});
afterAll(() => deps.close());

/** A request context as the HTTP layer builds one, with the principal the contract's checks admitted. */
function contextOf(principal: UserPrincipal, path: string): AuthenticatedContext {
  return {
    deps,
    requestId: `policy-${crypto.randomUUID()}`,
    ip: '198.51.100.7',
    headers: {},
    credentialInQuery: undefined,
    authenticate: async () => principal,
    responseHeaders: createResponseHeaders(),
    rateLimit: deps.rateLimits.forRequest([path]),
    principal,
  };
}

const caller: UserPrincipal = { kind: 'user', userId: crypto.randomUUID(), scopes: [], credential: { type: 'api_key', keyId: 'k1' } };
const declared = (whenDenied: 'not_found' | 'forbidden', policy: NamedPolicy<{ id: string }>['policy']): NamedPolicy<{ id: string }> => ({
  name: `test.${whenDenied}`,
  declaration: { resource: 'order', whenDenied, summary: 'test' },
  policy,
});

async function refusal(call: Promise<unknown>): Promise<TRPCError> {
  const error: unknown = await call.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

async function deniedRecords(principal: string) {
  return vi.waitFor(async () => {
    const page = await deps.auditLog.list({ type: 'authz.denied', principal }, { cursor: undefined, limit: 10 });
    if (page.items.length === 0) throw new Error('not recorded yet');
    return page.items;
  });
}

describe('enforcePolicy', () => {
  it('a `forbidden` policy answers 403 forbidden_role naming the policy, audited with its name', async () => {
    const ctx = contextOf(caller, 'orders.test');
    const error = await refusal(enforcePolicy(ctx, declared('forbidden', () => false), createPolicySubject(caller, deps.users), 'orders.test', { id: 'o1' }));
    expect(error.code).toBe('FORBIDDEN');
    expect((error.cause as AuthFailureError).data).toEqual({ reason: 'forbidden_role', policy: 'test.forbidden' });
    const [record] = await deniedRecords('apikey:k1');
    expect(record?.details).toMatchObject({ path: 'orders.test', reason: 'policy', policy: 'test.forbidden', answer: 'forbidden' });

    // On the wire (no demo policy answers 403, so no HTTP test reaches this): the contracts' schema, which the
    // typed client parses with (ForbiddenError.policy), reads the reason and the policy's name.
    const shape: TRPCDefaultErrorShape = { message: error.message, code: -32003, data: { code: error.code, httpStatus: 403, path: 'orders.test' } };
    const wire = errorDataSchema.parse(formatError({ shape, error, ctx }).data);
    expect(wire).toMatchObject({ code: 'FORBIDDEN', httpStatus: 403, requestId: ctx.requestId, auth: { reason: 'forbidden_role', policy: 'test.forbidden' } });
  });

  it('a `not_found` policy answers exactly like a missing record; a policy that throws refuses the same way', async () => {
    const principal: UserPrincipal = { ...caller, credential: { type: 'api_key', keyId: 'k2' } };
    const subject = createPolicySubject(principal, deps.users);
    const missing = await refusal(enforcePolicy(contextOf(principal, 'p'), declared('not_found', () => true), subject, 'p', undefined));
    const refused = await refusal(enforcePolicy(contextOf(principal, 'p'), declared('not_found', () => false), subject, 'p', { id: 'o2' }));
    const buggy = declared('not_found', () => {
      throw new TypeError('cannot read properties of undefined');
    });
    const thrown = await refusal(enforcePolicy(contextOf(principal, 'p'), buggy, subject, 'p', { id: 'o3' }));
    for (const error of [refused, thrown]) {
      expect(error.code).toBe(missing.code);
      expect(error.message).toBe(missing.message);
      expect(error.cause).toBe(missing.cause);
    }
    expect(missing.code).toBe('NOT_FOUND');
    expect(await enforcePolicy(contextOf(principal, 'p'), declared('not_found', () => true), subject, 'p', { id: 'o4' })).toEqual({ id: 'o4' });
  });

  it('a store outage inside a policy is a 503, not a silent allow or a misleading 404', async () => {
    const outage = declared('not_found', () => Promise.reject(new StoreUnavailableError('users', { cause: new Error('ECONNREFUSED') })));
    await expect(
      enforcePolicy(contextOf(caller, 'p'), outage, createPolicySubject(caller, deps.users), 'p', { id: 'o5' }),
    ).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});

describe('a contract naming a policy', () => {
  const contracts = {
    byId: defineQuery({
      summary: 'a handler that forgets its policy',
      input: z.object({}).optional(),
      output: z.object({ secret: z.string() }),
      auth: { scopes: [], policy: 'order.readable' },
    }),
  } satisfies ContractTree;

  it('refuses the answer of a handler that never hands its record to the policy (500, nothing served)', async () => {
    const createCaller = t.createCallerFactory(buildRouter(contracts, { byId: async () => ({ secret: 'unchecked' }) }));
    const error = await refusal(createCaller(contextOf(caller, 'byId')).byId());
    expect(error.code).toBe('INTERNAL_SERVER_ERROR');
    expect(JSON.stringify(error)).not.toContain('unchecked');
  });
});
