import type { CreateOrderInput, Order, PublicUser, TokenGrant } from '@gatehouse/contracts';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createGatehouseClient, MAX_BATCH_ITEMS } from './create-gatehouse-client.js';

// Nothing listens here; only types matter, and construction makes no request.
const client = createGatehouseClient({ url: 'http://127.0.0.1:1', accessToken: 't' });

describe('createGatehouseClient types', () => {
  it('infers inputs and outputs from the server’s contracts', () => {
    expectTypeOf(client.orders.create.mutate).parameter(0).toEqualTypeOf<CreateOrderInput>();
    expectTypeOf(client.orders.create.mutate).returns.resolves.toEqualTypeOf<Order>();
    expectTypeOf(client.users.me.query).returns.resolves.toEqualTypeOf<PublicUser>();
    expectTypeOf(client.auth.login.mutate).returns.resolves.toEqualTypeOf<TokenGrant>();
    expectTypeOf(client.orders.list.query).returns.resolves.toEqualTypeOf<{ items: Order[]; nextCursor: string | null }>();
  });

  it('refuses wrong inputs and unknown procedures at compile time', () => {
    // Never called: the point is the compile errors, checked by `pnpm typecheck`.
    const typeOnly = async () => {
      // @ts-expect-error quantity is a number
      await client.orders.create.mutate({ items: [{ productId: 1, quantity: '2' }], shippingAddress: { line1: 'x', city: 'y', postalCode: 'z', country: 'DE' }, paymentMethod: 'paypal' });
      // @ts-expect-error bitcoin is not a payment method
      await client.orders.create.mutate({ items: [], shippingAddress: { line1: 'x', city: 'y', postalCode: 'z', country: 'DE' }, paymentMethod: 'bitcoin' });
      // @ts-expect-error users.update takes a name only: role is not updatable
      await client.users.update.mutate({ name: 'x', role: 'admin' });
      // @ts-expect-error byId needs an id
      await client.users.byId.query({});
      // @ts-expect-error no such procedure
      await client.users.delete.mutate({ id: 'x' });
      // @ts-expect-error a query is not a mutation
      await client.users.me.mutate();
    };
    expect(typeof typeOnly).toBe('function');
  });

  it('accepts one token source at most', () => {
    const typeOnly = () => {
      // @ts-expect-error accessToken and getAccessToken exclude each other
      createGatehouseClient({ url: 'http://x', accessToken: 'a', getAccessToken: () => 'b' });
    };
    expect(typeof typeOnly).toBe('function');
    expect(MAX_BATCH_ITEMS).toBe(10);
  });
});
