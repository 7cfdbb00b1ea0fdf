import type { CreateOrderInput, LoginResult, Order, PublicUser, Scope, TokenGrant } from '@gatehouse/contracts';
import type { GatehouseRouter } from '@gatehouse/contracts/trpc';
import type { TRPCLink } from '@trpc/client';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createGatehouseClient, gatehouseLinks, MAX_BATCH_ITEMS, type GatehouseClient } from './create-gatehouse-client.js';
import { ForbiddenError, type NotFoundError, type RateLimitedError, type UnauthorizedError } from './errors.js';
import { grantedScopes } from './granted-scopes.js';
import type { CallResult, MissingScopes, ProcedureError } from './procedure-client.js';

// Nothing listens on port 1: the type tests make no call, and the pre-flight tests prove none is attempted.
const URL = 'http://127.0.0.1:1';
const client = createGatehouseClient({ url: URL, accessToken: 't' });

const ORDER = {
  items: [{ productId: 1, quantity: 1 }],
  shippingAddress: { line1: '1 Main Street', city: 'Berlin', postalCode: '10115', country: 'DE' },
  paymentMethod: 'paypal' as const,
};

/** A fetch that records every request and answers none: a bound client's refusals must never reach it. */
function recordingFetch() {
  const requests: string[] = [];
  const fetch = async (input: unknown): Promise<never> => {
    requests.push(String(input));
    throw new Error('no request was expected');
  };
  return { fetch, requests };
}

describe('an unbound client', () => {
  it('infers inputs and outputs from the contracts', () => {
    expectTypeOf(client.orders.create.mutate).parameter(0).toEqualTypeOf<CreateOrderInput>();
    expectTypeOf(client.orders.create.mutate).returns.resolves.toEqualTypeOf<Order>();
    expectTypeOf(client.users.me.query).returns.resolves.toEqualTypeOf<PublicUser>();
    expectTypeOf(client.auth.login.mutate).returns.resolves.toEqualTypeOf<LoginResult>();
    expectTypeOf(client.auth.loginSecondFactor.mutate).returns.resolves.toEqualTypeOf<TokenGrant>();
    expectTypeOf(client.orders.list.query).returns.resolves.toEqualTypeOf<{ items: Order[]; nextCursor: string | null }>();
    expectTypeOf(client).toEqualTypeOf<GatehouseClient<Scope>>();
  });

  it('refuses wrong inputs, unknown procedures and the wrong kind at compile time', () => {
    expectTypeOf(client.orders.create.mutate).toBeCallableWith(ORDER);
    // @ts-expect-error quantity is a number
    expectTypeOf(client.orders.create.mutate).toBeCallableWith({ ...ORDER, items: [{ productId: 1, quantity: '2' }] });
    // @ts-expect-error bitcoin is not a payment method
    expectTypeOf(client.orders.create.mutate).toBeCallableWith({ ...ORDER, paymentMethod: 'bitcoin' });
    // An excess key is only caught on a fresh literal in a call, so this one is a call the test never makes.
    // @ts-expect-error users.update takes a name only: role is not updatable
    void (() => client.users.update.mutate({ name: 'x', role: 'admin' }));
    // @ts-expect-error byId needs an id
    expectTypeOf(client.users.byId.query).toBeCallableWith({});
    expectTypeOf(client.users).not.toHaveProperty('delete');
    expectTypeOf(client.users.me).not.toHaveProperty('mutate');
    expectTypeOf(client.orders.create).not.toHaveProperty('query');
  });

  it('accepts exactly one credential', () => {
    // @ts-expect-error accessToken and getAccessToken exclude each other
    const twoTokens = () => createGatehouseClient({ url: URL, accessToken: 'a', getAccessToken: () => 'b' });
    // @ts-expect-error an API key and an access token: the server refuses a request with two credentials
    const keyAndToken = () => createGatehouseClient({ url: URL, apiKey: 'gk_live_x', accessToken: 't' });
    expect(twoTokens).toThrow(TypeError);
    expect(keyAndToken).toThrow(TypeError);
    expect(MAX_BATCH_ITEMS).toBe(10);
  });
});

describe('per-procedure error unions and the result form', () => {
  it('types each call’s error from its contract', () => {
    type ById = ProcedureError<typeof import('@gatehouse/contracts').contracts.orders.byId, 'orders.byId'>;
    expectTypeOf<Extract<ById, { code: 'FORBIDDEN' }>['requiredScopes']>().toEqualTypeOf<readonly 'orders:read'[] | undefined>();
    expectTypeOf<Extract<ById, { code: 'TOO_MANY_REQUESTS' }>['policy']>().toEqualTypeOf<'authenticated' | 'abuse.enumeration' | undefined>();
    expectTypeOf<Extract<ById, { code: 'NOT_FOUND' }>>().toEqualTypeOf<NotFoundError>();

    type Health = ProcedureError<typeof import('@gatehouse/contracts').contracts.health, 'health'>;
    expectTypeOf<Extract<Health, { code: 'UNAUTHORIZED' | 'FORBIDDEN' | 'NOT_FOUND' }>>().toBeNever();
    expectTypeOf<Extract<Health, { code: 'TOO_MANY_REQUESTS' }>['policy']>().toEqualTypeOf<undefined>();

    type Login = ProcedureError<typeof import('@gatehouse/contracts').contracts.auth.login, 'auth.login'>;
    expectTypeOf<Extract<Login, { code: 'UNAUTHORIZED' }>>().toEqualTypeOf<UnauthorizedError>();
    expectTypeOf<Extract<Login, { code: 'TOO_MANY_REQUESTS' }>>().toEqualTypeOf<
      RateLimitedError<'public' | 'auth.login:email+ip' | 'auth.login:email' | 'auth.login:ip' | 'auth.login:credential-stuffing'>
    >();
  });

  it('switches exhaustively over a safeQuery result', () => {
    const describeResult = (result: Awaited<ReturnType<typeof client.orders.byId.safeQuery>>): string => {
      if (result.ok) return result.data.id;
      const { error } = result;
      switch (error.code) {
        case 'UNAUTHORIZED':
          return `log in again (${error.reason ?? 'unknown'})`;
        case 'FORBIDDEN':
          expectTypeOf(error.missingScopes).toEqualTypeOf<readonly 'orders:read'[] | undefined>();
          return `missing ${error.missingScopes?.join(' ') ?? ''}`;
        case 'NOT_FOUND':
          return 'no such order';
        case 'TOO_MANY_REQUESTS':
          expectTypeOf(error.policy).toEqualTypeOf<'authenticated' | 'abuse.enumeration' | undefined>();
          return `wait ${error.retryAfterMs ?? 'a while'}`;
        case 'BAD_REQUEST':
          return error.issues.map((issue) => issue.message).join();
        case 'SERVICE_UNAVAILABLE':
          return 'busy';
        case 'PARSE_ERROR':
        case 'INTERNAL_SERVER_ERROR':
        case 'NOT_IMPLEMENTED':
        case 'BAD_GATEWAY':
        case 'GATEWAY_TIMEOUT':
        case 'PAYMENT_REQUIRED':
        case 'METHOD_NOT_SUPPORTED':
        case 'TIMEOUT':
        case 'CONFLICT':
        case 'PRECONDITION_FAILED':
        case 'PAYLOAD_TOO_LARGE':
        case 'UNSUPPORTED_MEDIA_TYPE':
        case 'UNPROCESSABLE_CONTENT':
        case 'PRECONDITION_REQUIRED':
        case 'CLIENT_CLOSED_REQUEST':
          return error.code;
        default:
          return error satisfies never;
      }
    };
    expect(describeResult({ ok: true, data: { id: 'o-1' } as Order })).toBe('o-1');
    expectTypeOf(client.health.safeQuery).returns.resolves.toMatchTypeOf<CallResult<{ status: 'ok'; time: string }, unknown>>();
  });
});

describe('a client bound to scopes', () => {
  it('exposes only the procedures its scopes cover, naming the missing scopes otherwise', () => {
    const reader = createGatehouseClient({ url: URL, accessToken: 't', scopes: ['orders:read'] });
    expectTypeOf(reader.orders.list.query).returns.resolves.toEqualTypeOf<{ items: Order[]; nextCursor: string | null }>();
    expectTypeOf(reader.health.query).returns.resolves.toEqualTypeOf<{ status: 'ok'; time: string }>();
    expectTypeOf(reader.auth.logout.mutate).toBeFunction();
    expectTypeOf(reader.admin.users.list).toEqualTypeOf<MissingScopes<'admin'>>();
    expectTypeOf(reader.orders.create).toEqualTypeOf<MissingScopes<'orders:write'>>();
    // @ts-expect-error admin.users.list needs the admin scope this client does not hold
    expectTypeOf(reader.admin.users.list.query).toBeFunction();
  });

  it('binds from apiKeys.create’s response, a token response’s scope, and client credentials', () => {
    type Created = Awaited<ReturnType<typeof client.apiKeys.create.mutate<readonly ['orders:read', 'users:read']>>>;
    expectTypeOf<Created['scopes']>().toEqualTypeOf<Array<'orders:read' | 'users:read'>>();
    const created = {} as Created;
    const byKey = createGatehouseClient({ url: URL, apiKey: created });
    expectTypeOf(byKey.users.byId).toHaveProperty('query');
    expectTypeOf(byKey.users.update).toEqualTypeOf<MissingScopes<'users:write'>>();

    const byToken = createGatehouseClient({ url: URL, accessToken: 't', scopes: grantedScopes('orders:read', ['orders:read'] as const) });
    expectTypeOf(byToken.users.me).toEqualTypeOf<MissingScopes<'users:read'>>();

    const service = createGatehouseClient({ url: URL, clientCredentials: { clientId: 'billing', clientSecret: 's', scopes: ['orders:read'] } });
    expectTypeOf(service.orders.byId).toHaveProperty('safeQuery');
    expectTypeOf(service.orders.create).toEqualTypeOf<MissingScopes<'orders:write'>>();
  });

  it('refuses an out-of-scope call itself, with a pre-flight ForbiddenError and no request', async () => {
    const { fetch, requests } = recordingFetch();
    const reader = createGatehouseClient({ url: URL, accessToken: 't', scopes: ['orders:read'], fetch, batch: false });
    // Around the types, as plain JavaScript would be.
    const list = (reader.admin.users.list as unknown as { query: () => Promise<unknown> }).query;
    const error = await list().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error).toMatchObject({ preflight: true, code: 'FORBIDDEN', httpStatus: 403, path: 'admin.users.list', requiredScopes: ['admin'], missingScopes: ['admin'] });
    const safe = await (reader.orders.create as unknown as { safeMutate: (input: unknown) => Promise<unknown> }).safeMutate(ORDER);
    expect(safe).toMatchObject({ ok: false, error: { preflight: true, missingScopes: ['orders:write'] } });
    expect(requests).toEqual([]);
  });

  it('reads an OAuth scope string only within what was requested', () => {
    expect(grantedScopes('orders:read', ['orders:read', 'users:read'])).toEqual(['orders:read']);
    expect(grantedScopes(undefined, ['orders:read'])).toEqual(['orders:read']);
    expect(() => grantedScopes('orders:read admin', ['orders:read'])).toThrow(RangeError);
  });
});

describe('composition', () => {
  it('exposes Gatehouse’s links for a tRPC client of your own, after yours', () => {
    const mine: TRPCLink<GatehouseRouter> = () => ({ next, op }) => next(op);
    const links = gatehouseLinks({ url: URL, accessToken: 't', links: [mine] });
    expect(links[0]).toBe(mine);
    expect(links.length).toBeGreaterThanOrEqual(3);
  });
});
