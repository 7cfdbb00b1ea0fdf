import { createGatehouseClient, ForbiddenError, TokenRequestError, type LinkFetch } from '@gatehouse/client';
import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { startGatehouse, type RunningGatehouse } from './support/start-gatehouse.js';
import { TEST_SEED } from './support/test-seed.js';

// A service with its own OAuth client (the seed's confidential `billing`, allowed orders:read) calling through
// createGatehouseClient({ clientCredentials }): the client fetches, shares, renews and replaces its token itself.

const billing = TEST_SEED.clients.find((client) => client.clientId === 'billing')!;

let gatehouse: RunningGatehouse;
/** The server's clock runs this far ahead: a jump expires every access token server-side only. */
let serverClockOffsetMs = 0;

beforeAll(async () => {
  gatehouse = await startGatehouse({ now: () => Date.now() + serverClockOffsetMs });
});
afterAll(() => gatehouse.close());

/** The real fetch, counting token requests and remembering the bearer tokens calls carried. */
function countingFetch() {
  const seen = { tokenRequests: 0, bearers: new Set<string>(), tokenRequestBodies: [] as string[] };
  const wrapped: LinkFetch = (input, init) => {
    if (String(input).endsWith('/oauth/token')) {
      seen.tokenRequests += 1;
      seen.tokenRequestBodies.push(String(init?.body));
    }
    const authorization = (init?.headers as Record<string, string> | undefined)?.['authorization'];
    if (authorization?.startsWith('Bearer ') === true) seen.bearers.add(authorization.slice('Bearer '.length));
    return fetch(input as never, init as never);
  };
  return { seen, fetch: wrapped };
}

function serviceClient(options: { now?: () => number; batch?: boolean } = {}) {
  const counting = countingFetch();
  const client = createGatehouseClient({
    url: gatehouse.url,
    fetch: counting.fetch,
    ...(options.batch === undefined ? {} : { batch: options.batch }),
    clientCredentials: {
      clientId: billing.clientId,
      clientSecret: billing.secret,
      scopes: ['orders:read'],
      ...(options.now === undefined ? {} : { now: options.now }),
    },
  });
  return { client, seen: counting.seen };
}

describe('a service client with client credentials', () => {
  it('fetches one token for any number of concurrent first calls, and is bound to its scopes', async () => {
    const { client, seen } = serviceClient({ batch: false });
    const pages = await Promise.all(Array.from({ length: 10 }, () => client.orders.list.query({ limit: 1 })));
    expect(pages.every((page) => Array.isArray(page.items))).toBe(true);
    expect(seen.tokenRequests).toBe(1);
    expect(seen.tokenRequestBodies[0]).toContain('scope=orders%3Aread');
    expect(seen.tokenRequestBodies[0]).not.toContain(billing.secret);
    expect(seen.bearers.size).toBe(1);
    // @ts-expect-error orders.create needs orders:write, which this service did not ask for
    expectTypeOf(client.orders.create.mutate).toBeFunction();
  });

  it('renews before expiry with one token request, however many calls are in flight', async () => {
    let clientClockOffsetMs = 0;
    const { client, seen } = serviceClient({ now: () => Date.now() + clientClockOffsetMs, batch: false });
    await client.orders.list.query({ limit: 1 });
    expect(seen.tokenRequests).toBe(1);
    clientClockOffsetMs = 880_000; // inside the 30 s renewal margin of the 900 s token
    await Promise.all(Array.from({ length: 10 }, () => client.orders.list.query({ limit: 1 })));
    expect(seen.tokenRequests).toBe(2);
    expect(seen.bearers.size).toBe(2);
  });

  it('refetches once after a 401 expired_token seen by concurrent calls, and retries them', async () => {
    const { client, seen } = serviceClient({ batch: false });
    await client.orders.list.query({ limit: 1 });
    serverClockOffsetMs += 901_000; // past the token's lifetime on the server; the client still holds it
    const pages = await Promise.all(Array.from({ length: 10 }, () => client.orders.list.query({ limit: 1 })));
    expect(pages).toHaveLength(10);
    expect(seen.tokenRequests).toBe(2);
  });

  it('refetches once after a 401 revoked_token', async () => {
    const { client, seen } = serviceClient();
    await client.orders.list.query({ limit: 1 });
    const [token] = [...seen.bearers];
    const revoked = await fetch(`${gatehouse.url}/oauth/revoke`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${btoa(`${billing.clientId}:${billing.secret}`)}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token: token! }).toString(),
    });
    expect(revoked.status).toBe(200);
    await Promise.all(Array.from({ length: 5 }, () => client.orders.list.query({ limit: 1 })));
    expect(seen.tokenRequests).toBe(2);
  });

  it('refuses a call outside its scopes before sending it', async () => {
    const { client, seen } = serviceClient();
    const create = (client.orders.create as unknown as { mutate: (input: unknown) => Promise<unknown> }).mutate;
    const error = await create({}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error).toMatchObject({ preflight: true, missingScopes: ['orders:write'] });
    expect(seen.tokenRequests).toBe(0);
  });

  it('reports a refused client as TokenRequestError with the RFC 6749 code and never the secret', async () => {
    const secret = 'wrong-secret-that-must-not-leak';
    const client = createGatehouseClient({
      url: gatehouse.url,
      clientCredentials: { clientId: billing.clientId, clientSecret: secret, scopes: ['orders:read'] },
    });
    const failure = await client.orders.list.query().catch((caught: unknown) => caught);
    // tRPC reports a failure before the call left (like a network error) as a TRPCClientError with the cause.
    expect(failure).toBeInstanceOf(TRPCClientError);
    const error = (failure as TRPCClientError<never>).cause;
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error).toMatchObject({ error: 'invalid_client', status: 401 });
    expect(`${String(error)} ${JSON.stringify(error)} ${(error as Error).stack ?? ''}`).not.toContain(secret);
    expect(gatehouse.logLines().join('\n')).not.toContain(secret);
  });
});
