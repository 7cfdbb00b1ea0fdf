import { randomUUID } from 'node:crypto';
import {
  ForbiddenError,
  GatehouseError,
  NotFoundError,
  ServerError,
  UnauthorizedError,
  ValidationError,
  createGatehouseClient,
  isGatehouseError,
} from '@gatehouse/client';
import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { login } from './support/http.js';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { TEST_USERS } from './support/test-seed.js';

let gatehouse: RunningGatehouse;
let alice: { accessToken: string; user: { id: string } };

beforeAll(async () => {
  gatehouse = await startGatehouse();
  alice = await login(gatehouse.url, TEST_USERS.alice);
});
afterAll(() => gatehouse.close());

/** A client that counts the HTTP requests it makes, to observe batching. */
function countingClient(options: { accessToken: string; batch?: boolean }) {
  const requests: string[] = [];
  const client = createGatehouseClient({
    ...options,
    url: gatehouse.url,
    fetch: async (input, init) => {
      requests.push(String(input));
      return fetch(input as string, init as RequestInit);
    },
  });
  return { client, requests };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

const ORDER = {
  items: [{ productId: 1, quantity: 1 }],
  shippingAddress: { line1: '1 Main Street', city: 'Berlin', postalCode: '10115', country: 'DE' },
  paymentMethod: 'paypal',
} as const;

describe('typed errors through @gatehouse/client', () => {
  it('UnauthorizedError with reason missing_credentials, and invalid_token for a bad token', async () => {
    const anonymous = createGatehouseClient({ url: gatehouse.url });
    const missing = await rejection(anonymous.users.me.query());
    expect(missing).toBeInstanceOf(UnauthorizedError);
    expect(missing).toMatchObject({ code: 'UNAUTHORIZED', reason: 'missing_credentials', httpStatus: 401, path: 'users.me' });

    const forged = createGatehouseClient({ url: gatehouse.url, getAccessToken: () => 'not-a-token' });
    const invalid = await rejection(forged.users.me.query());
    expect(invalid).toBeInstanceOf(UnauthorizedError);
    expect((invalid as UnauthorizedError).reason).toBe('invalid_token');
    // Still a TRPCClientError, with the original kept as cause, so tRPC tooling keeps working.
    expect(invalid).toBeInstanceOf(TRPCClientError);
    expect((invalid as GatehouseError).cause).toBeInstanceOf(TRPCClientError);
  });

  it('ForbiddenError with requiredScopes and missingScopes', async () => {
    const client = createGatehouseClient({ url: gatehouse.url, accessToken: alice.accessToken });
    const error = await rejection(client.admin.users.list.query());
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error).toMatchObject({ reason: 'insufficient_scope', requiredScopes: ['admin'], missingScopes: ['admin'], httpStatus: 403 });
  });

  it('ValidationError with field issues and fieldErrors() keyed by dotted path', async () => {
    const client = createGatehouseClient({ url: gatehouse.url, accessToken: alice.accessToken });
    const error = await rejection(
      client.orders.create.mutate({ ...ORDER, items: [{ productId: 1, quantity: 5000 }], shippingAddress: { ...ORDER.shippingAddress, line1: '<b>' } }),
    );
    expect(error).toBeInstanceOf(ValidationError);
    const validation = error as ValidationError;
    expect(validation.issues.map((issue) => issue.path.join('.')).sort()).toEqual(['items.0.quantity', 'shippingAddress.line1']);
    expect(Object.keys(validation.fieldErrors()).sort()).toEqual(['items.0.quantity', 'shippingAddress.line1']);
    expect(validation.fieldErrors()['shippingAddress.line1']?.length).toBe(1);
  });

  it('NotFoundError for a record that does not exist', async () => {
    const client = createGatehouseClient({ url: gatehouse.url, accessToken: alice.accessToken });
    const error = await rejection(client.orders.byId.query({ id: randomUUID() }));
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).httpStatus).toBe(404);
  });

  it('ServerError carrying the tRPC code for other answers (409 on a taken email)', async () => {
    const client = createGatehouseClient({ url: gatehouse.url });
    const error = await rejection(client.auth.register.mutate({ email: TEST_USERS.bob.email, password: 'long enough password', name: 'Bob 2' }));
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ code: 'CONFLICT', httpStatus: 409 });
  });

  it('isGatehouseError narrows to a union discriminated on code; network failures stay untyped', async () => {
    const client = createGatehouseClient({ url: gatehouse.url, accessToken: alice.accessToken });
    const error = await rejection(client.admin.users.list.query());
    expect(isGatehouseError(error)).toBe(true);
    if (isGatehouseError(error) && error.code === 'FORBIDDEN') {
      expectTypeOf(error).toEqualTypeOf<ForbiddenError>();
      expect(error.missingScopes).toEqual(['admin']);
    } else {
      throw new Error('expected a ForbiddenError');
    }

    const unreachable = createGatehouseClient({ url: 'http://127.0.0.1:1' });
    const network = await rejection(unreachable.health.query());
    expect(network).toBeInstanceOf(TRPCClientError);
    expect(isGatehouseError(network)).toBe(false);
  });
});

describe('batching', () => {
  it('sends concurrent calls as one HTTP request', async () => {
    const { client, requests } = countingClient({ accessToken: alice.accessToken });
    const [health, me, orders] = await Promise.all([client.health.query(), client.users.me.query(), client.orders.list.query({ limit: 1 })]);
    expect(requests).toHaveLength(1);
    expect(health.status).toBe('ok');
    expect(me.id).toBe(alice.user.id);
    expect(Array.isArray(orders.items)).toBe(true);
  });

  it('gives each call of a mixed batch (HTTP 207) its own result or typed error', async () => {
    const { client, requests } = countingClient({ accessToken: alice.accessToken });
    const [me, admin, missing] = await Promise.allSettled([
      client.users.me.query(),
      client.admin.users.list.query(),
      client.users.byId.query({ id: randomUUID() }),
    ]);
    expect(requests).toHaveLength(1);
    expect(me.status === 'fulfilled' && me.value.id).toBe(alice.user.id);
    expect(admin.status === 'rejected' && admin.reason).toBeInstanceOf(ForbiddenError);
    expect(missing.status === 'rejected' && missing.reason).toBeInstanceOf(NotFoundError);
  });

  it('sends calls one by one with batch: false', async () => {
    const { client, requests } = countingClient({ accessToken: alice.accessToken, batch: false });
    await Promise.all([client.health.query(), client.users.me.query()]);
    expect(requests).toHaveLength(2);
  });
});

describe('the result form and bound clients over HTTP', () => {
  it('safeQuery returns the data, or the server’s typed error, and never throws for an answer', async () => {
    const client = createGatehouseClient({ url: gatehouse.url, accessToken: alice.accessToken });
    const me = await client.users.me.safeQuery();
    expect(me).toEqual({ ok: true, data: expect.objectContaining({ id: alice.user.id }) });
    const missing = await client.orders.byId.safeQuery({ id: randomUUID() });
    expect(missing.ok).toBe(false);
    if (!missing.ok) {
      expect(missing.error).toBeInstanceOf(NotFoundError);
      expect(missing.error).toMatchObject({ code: 'NOT_FOUND', httpStatus: 404, path: 'orders.byId' });
    }
    const invalid = await client.orders.create.safeMutate({ ...ORDER, items: [] });
    expect(invalid).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    const refused = await client.admin.users.list.safeQuery();
    expect(refused).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', preflight: false, requiredScopes: ['admin'], missingScopes: ['admin'] } });
  });

  it('a client bound to an API key’s scopes calls within them and refuses the rest before sending', async () => {
    const owner = createGatehouseClient({ url: gatehouse.url, accessToken: alice.accessToken });
    const created = await owner.apiKeys.create.mutate({ name: 'bound', scopes: ['orders:read'] });
    expectTypeOf(created.scopes).toEqualTypeOf<Array<'orders:read'>>();
    const counted: string[] = [];
    const bound = createGatehouseClient({
      url: gatehouse.url,
      apiKey: created,
      fetch: async (input, init) => {
        counted.push(String(input));
        return fetch(input as string, init as RequestInit);
      },
    });
    const page = await bound.orders.list.query({ limit: 1 });
    expect(Array.isArray(page.items)).toBe(true);
    expect(counted).toHaveLength(1);
    // @ts-expect-error users.me needs users:read, which the key was not created with
    expectTypeOf(bound.users.me.query).toBeFunction();
    const me = (bound.users.me as unknown as { query: () => Promise<unknown> }).query;
    const error = await rejection(me());
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error).toMatchObject({ preflight: true, missingScopes: ['users:read'], path: 'users.me' });
    expect(counted).toHaveLength(1);
  });
});
