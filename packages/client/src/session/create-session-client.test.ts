import { describe, expect, expectTypeOf, it } from 'vitest';
import { createGatehouseClient, type GatehouseClient, type GatehouseSessionClient } from '../create-gatehouse-client.js';
import type { GatehouseSession } from './gatehouse-session.js';

describe('createGatehouseClient with a session', () => {
  it('returns a client with its session beside the procedures, logged out until login', async () => {
    const client = createGatehouseClient({ url: 'http://127.0.0.1:1', session: {} });
    expectTypeOf(client).toEqualTypeOf<GatehouseSessionClient>();
    expectTypeOf(client.session).toEqualTypeOf<GatehouseSession>();
    expectTypeOf(client.session.login).parameter(0).toEqualTypeOf<{ readonly email: string; readonly password: string }>();
    expect(await client.session.isLoggedIn()).toBe(false);
    expect(client.session.currentAccessToken()).toBeUndefined();
    expect(Object.keys(client)).toEqual(expect.arrayContaining(['session', 'users', 'orders', 'auth']));
  });

  it('has no session without the option, and takes no second credential beside one', () => {
    const client = createGatehouseClient({ url: 'http://127.0.0.1:1' });
    expectTypeOf(client).toEqualTypeOf<GatehouseClient>();
    expectTypeOf(client).not.toHaveProperty('session');
    // @ts-expect-error a session manages its own token: an access token beside it does not compile
    const both = () => createGatehouseClient({ url: 'http://127.0.0.1:1', session: {}, accessToken: 't' });
    expect(both).toThrow(TypeError);
  });
});
