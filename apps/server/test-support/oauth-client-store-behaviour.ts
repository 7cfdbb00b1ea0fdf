import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ClientIdTakenError, type NewOAuthClient, type OAuthClientStore } from '../src/stores/oauth-client-store.js';

/** What a suite hands each test: a fresh, empty store on a clock the test controls. */
export type CreateOAuthClientStore = (options: { readonly now: () => Date }) => OAuthClientStore | Promise<OAuthClientStore>;

export function newConfidentialClient(overrides: Partial<NewOAuthClient> = {}): NewOAuthClient {
  return {
    clientId: `svc-${randomUUID().slice(0, 8)}`,
    type: 'confidential',
    redirectUris: [],
    scopes: ['orders:read'],
    grantTypes: ['client_credentials'],
    secret: { kind: 'sha256', digest: 'ab'.repeat(32) },
    pinNetwork: false,
    ...overrides,
  };
}

/**
 * The behaviour every OAuthClientStore must have, run against each
 * implementation (memory and Redis) so that they cannot drift apart.
 */
export function describeOAuthClientStore(name: string, create: CreateOAuthClientStore): void {
  describe(`OAuthClientStore (${name})`, () => {
    const clock = { now: new Date('2030-01-02T03:04:05.678Z') };
    const fresh = () => create({ now: () => clock.now });

    it('registers a confidential client with the clock’s time and finds it again as written', async () => {
      const store = await fresh();
      const input = newConfidentialClient({ scopes: ['orders:read', 'orders:write'] });
      const created = await store.create(input);
      expect(created).toEqual({ ...input, createdAt: clock.now });
      expect(created.disabledAt).toBeUndefined();
      expect(await store.find(input.clientId)).toEqual(created);
    });

    it('registers a public client without a secret, with its redirect URIs in order', async () => {
      const store = await fresh();
      const input: NewOAuthClient = {
        clientId: `web-${randomUUID().slice(0, 8)}`,
        type: 'public',
        redirectUris: ['http://127.0.0.1:5173/callback', 'https://app.example.com/cb'],
        scopes: ['users:read'],
        grantTypes: ['authorization_code', 'refresh_token'],
        secret: undefined,
        // Pinned: the flag must come back as written, as every other field.
        pinNetwork: true,
      };
      await store.create(input);
      const found = await store.find(input.clientId);
      expect(found?.secret).toBeUndefined();
      expect(found?.redirectUris).toEqual(input.redirectUris);
      expect(found?.grantTypes).toEqual(input.grantTypes);
    });

    it('refuses a second client with a taken id and keeps the first', async () => {
      const store = await fresh();
      const first = await store.create(newConfidentialClient({ clientId: 'billing' }));
      await expect(store.create(newConfidentialClient({ clientId: 'billing', scopes: ['users:write'] }))).rejects.toBeInstanceOf(ClientIdTakenError);
      expect(await store.find('billing')).toEqual(first);
    });

    it('answers undefined for an unknown client, and changing one creates nothing', async () => {
      const store = await fresh();
      expect(await store.find('nobody')).toBeUndefined();
      expect(await store.setSecret('nobody', { kind: 'sha256', digest: 'cd'.repeat(32) })).toBeUndefined();
      expect(await store.disable('nobody')).toBeUndefined();
      expect(await store.find('nobody')).toBeUndefined();
    });

    it('replaces a secret, and the old one is gone', async () => {
      const store = await fresh();
      const client = await store.create(newConfidentialClient());
      const replaced = await store.setSecret(client.clientId, { kind: 'bcrypt', hash: '$2b$04$abcdefghijklmnopqrstuu7Mb4a4Ma1a9E8mQwN0kVd5tV.bYwTfS' });
      expect(replaced?.secret).toEqual({ kind: 'bcrypt', hash: '$2b$04$abcdefghijklmnopqrstuu7Mb4a4Ma1a9E8mQwN0kVd5tV.bYwTfS' });
      expect((await store.find(client.clientId))?.secret).toEqual(replaced?.secret);
      expect((await store.find(client.clientId))?.scopes).toEqual(client.scopes);
    });

    it('disables a client once: a second disable keeps the first time', async () => {
      const store = await fresh();
      const client = await store.create(newConfidentialClient());
      const disabledAt = clock.now;
      expect((await store.disable(client.clientId))?.disabledAt).toEqual(disabledAt);
      clock.now = new Date(disabledAt.getTime() + 60_000);
      expect((await store.disable(client.clientId))?.disabledAt).toEqual(disabledAt);
      expect((await store.find(client.clientId))?.disabledAt).toEqual(disabledAt);
      clock.now = disabledAt;
    });
  });
}
