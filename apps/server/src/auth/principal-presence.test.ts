import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../errors/store-unavailable-error.js';
import type { UserRecord } from '../stores/user-store.js';
import type { VerifiedAccessToken } from '../tokens/verified-access-token.js';
import { AuthFailureError } from '../errors/auth-failure-error.js';
import { createMemoryOAuthClientStore } from '../stores/memory/memory-oauth-client-store.js';
import { newConfidentialClient } from '../../test-support/oauth-client-store-behaviour.js';
import { createClientDirectory } from './client-directory.js';
import { createPrincipalPresence } from './principal-presence.js';

function tokenFor(subject: string, grant: VerifiedAccessToken['grant'] = 'user', clientId = 'gatehouse'): VerifiedAccessToken {
  return { subject, clientId, scopes: [], jti: randomUUID(), grant, issuedAt: 0, expiresAt: 900, sessionId: undefined };
}

function usersWith(present: Set<string>, counter: { lookups: number }) {
  return {
    async findById(id: string) {
      counter.lookups += 1;
      return present.has(id) ? ({ id } as UserRecord) : undefined;
    },
  };
}

async function reasonOf(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  return error instanceof AuthFailureError ? error.data.reason : undefined;
}

describe('principal presence', () => {
  it('believes a present user for the TTL, then asks the store again and refuses a deleted one', async () => {
    // A real epoch, not 0: a TTL measured from the wrong end would pass at 0.
    const clock = { now: 1_800_000_000_000 };
    const present = new Set(['u1']);
    const counter = { lookups: 0 };
    const presence = createPrincipalPresence({ users: usersWith(present, counter), clients: createClientDirectory({ store: createMemoryOAuthClientStore() }), now: () => clock.now });
    await presence.assertPresent(tokenFor('u1'));
    await presence.assertPresent(tokenFor('u1'));
    expect(counter.lookups).toBe(1);
    present.delete('u1');
    clock.now += 1000;
    expect(await reasonOf(presence.assertPresent(tokenFor('u1')))).toBe('invalid_token');
  });

  it('never caches absence: a user is refused on every call while missing', async () => {
    const counter = { lookups: 0 };
    const presence = createPrincipalPresence({ users: usersWith(new Set(), counter), clients: createClientDirectory({ store: createMemoryOAuthClientStore() }) });
    expect(await reasonOf(presence.assertPresent(tokenFor('ghost')))).toBe('invalid_token');
    expect(await reasonOf(presence.assertPresent(tokenFor('ghost')))).toBe('invalid_token');
    expect(counter.lookups).toBe(2);
  });

  it('accepts client_credentials tokens of registered clients only, without a store lookup', async () => {
    const counter = { lookups: 0 };
    const store = createMemoryOAuthClientStore();
    await store.create(newConfidentialClient({ clientId: 'billing' }));
    const clients = createClientDirectory({ store });
    const presence = createPrincipalPresence({ users: usersWith(new Set(), counter), clients });
    await presence.assertPresent(tokenFor('billing', 'client_credentials', 'billing'));
    expect(await reasonOf(presence.assertPresent(tokenFor('gone', 'client_credentials', 'gone')))).toBe('invalid_token');
    expect(counter.lookups).toBe(0);
  });

  it('refuses a user’s token issued to a client that left the registry, while first-party tokens need no client', async () => {
    const counter = { lookups: 0 };
    const store = createMemoryOAuthClientStore();
    await store.create(newConfidentialClient({ clientId: 'web' }));
    const clients = createClientDirectory({ store });
    const presence = createPrincipalPresence({ users: usersWith(new Set(['u1']), counter), clients });
    await presence.assertPresent(tokenFor('u1', 'user', 'web'));
    await presence.assertPresent(tokenFor('u1', 'user', 'gatehouse'));
    expect(await reasonOf(presence.assertPresent(tokenFor('u1', 'user', 'removed-app')))).toBe('invalid_token');
  });

  it('remembers at most its bound of users, forgetting the one checked longest ago', async () => {
    const clock = { now: 1_800_000_000_000 };
    const counter = { lookups: 0 };
    const presence = createPrincipalPresence({
      users: usersWith(new Set(['u1', 'u2', 'u3']), counter),
      clients: createClientDirectory({ store: createMemoryOAuthClientStore() }),
      maxEntries: 2,
      now: () => clock.now,
    });
    await presence.assertPresent(tokenFor('u1'));
    await presence.assertPresent(tokenFor('u2'));
    expect(presence.size).toBe(2);
    clock.now += 1000;
    // Checked again, u1 is now the most recent: u3 pushes out u2, not u1.
    await presence.assertPresent(tokenFor('u1'));
    await presence.assertPresent(tokenFor('u3'));
    expect(presence.size).toBe(2);
    expect(counter.lookups).toBe(4);
    await presence.assertPresent(tokenFor('u1'));
    await presence.assertPresent(tokenFor('u3'));
    expect(counter.lookups).toBe(4);
    await presence.assertPresent(tokenFor('u2'));
    expect(counter.lookups).toBe(5);
  });

  it('reports its bound for the memory report: 10,000 users unless told otherwise', () => {
    const clients = createClientDirectory({ store: createMemoryOAuthClientStore() });
    expect(createPrincipalPresence({ users: usersWith(new Set(), { lookups: 0 }), clients }).maxEntries).toBe(10_000);
    expect(createPrincipalPresence({ users: usersWith(new Set(), { lookups: 0 }), clients, maxEntries: 5 }).maxEntries).toBe(5);
  });

  it('answers 503 when the user store cannot say, rather than accepting or refusing the token', async () => {
    const presence = createPrincipalPresence({
      users: { findById: () => Promise.reject(new StoreUnavailableError('user', { cause: new Error('ECONNREFUSED') })) },
      clients: createClientDirectory({ store: createMemoryOAuthClientStore() }),
    });
    await expect(presence.assertPresent(tokenFor('u1'))).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  });
});
