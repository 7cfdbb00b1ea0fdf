import { describe, expect, expectTypeOf, it } from 'vitest';
import { createGatehouseClient, type GatehouseClient } from '../create-gatehouse-client.js';
import type { GatehouseSessionClient } from './create-session-client.js';
import type { GatehouseSession } from './gatehouse-session.js';

describe('createGatehouseClient with a session', () => {
  it('returns a client with its session beside the procedures', async () => {
    const client = createGatehouseClient({ url: 'http://127.0.0.1:1', session: {} });
    expectTypeOf(client).toEqualTypeOf<GatehouseSessionClient>();
    expectTypeOf(client.session).toEqualTypeOf<GatehouseSession>();
    expect(await client.session.isLoggedIn()).toBe(false);
    expect(client.session.currentAccessToken()).toBeUndefined();
  });

  it('has no session without the option', () => {
    const client = createGatehouseClient({ url: 'http://127.0.0.1:1' });
    expectTypeOf(client).toEqualTypeOf<GatehouseClient>();
    // @ts-expect-error: a plain client has no session
    void client.session.login;
  });
});
