import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ApiKeyStore, NewApiKey } from './api-key-store.js';

/** A key as a store sees it: hashes only, so any 64 hex digits will do. */
export function newApiKey(overrides: Partial<NewApiKey> = {}): NewApiKey {
  return {
    ownerId: randomUUID(),
    name: 'ci',
    prefix: 'gk_live_abcdef',
    hash: randomUUID().replaceAll('-', '').repeat(2),
    scopes: ['orders:read'],
    expiresAt: undefined,
    ...overrides,
  };
}

/** The behaviour every ApiKeyStore must have, run against memory and Redis alike. */
export function describeApiKeyStore(name: string, createStore: () => ApiKeyStore | Promise<ApiKeyStore>): void {
  describe(`ApiKeyStore: ${name}`, () => {
    it('finds a created key by its hash, with every field, and nothing by another hash', async () => {
      const store = await createStore();
      const expiresAt = new Date('2031-05-06T07:08:09.000Z');
      const created = await store.create(newApiKey({ name: 'nightly export', scopes: ['orders:read', 'users:read'], expiresAt }));
      const found = await store.findByHash(created.hash);
      expect(found).toEqual(created);
      expect(found).toMatchObject({ name: 'nightly export', scopes: ['orders:read', 'users:read'], expiresAt, lastUsedAt: undefined, revokedAt: undefined });
      expect(await store.findByHash('0'.repeat(64))).toBeUndefined();
    });

    it('lists an owner’s keys newest first, page by page, and no one else’s', async () => {
      const store = await createStore();
      const ownerId = randomUUID();
      const keys = [];
      for (let index = 0; index < 3; index += 1) keys.push(await store.create(newApiKey({ ownerId, name: `k${index}` })));
      await store.create(newApiKey());
      const first = await store.listByOwner(ownerId, { cursor: undefined, limit: 2 });
      expect(first.items.map((key) => key.name)).toEqual(['k2', 'k1']);
      expect(first.nextCursor).not.toBeNull();
      const second = await store.listByOwner(ownerId, { cursor: first.nextCursor ?? undefined, limit: 2 });
      expect(second.items.map((key) => key.name)).toEqual(['k0']);
      expect(second.nextCursor).toBeNull();
    });

    it('revokes only for the owner, keeps the first revocation time, and drops the key from the list', async () => {
      const store = await createStore();
      const key = await store.create(newApiKey());
      expect(await store.revoke(randomUUID(), key.id, new Date())).toBeUndefined();
      expect((await store.findByHash(key.hash))?.revokedAt).toBeUndefined();

      const first = new Date('2030-01-01T00:00:00.000Z');
      expect((await store.revoke(key.ownerId, key.id, first))?.revokedAt).toEqual(first);
      expect((await store.revoke(key.ownerId, key.id, new Date('2030-02-01T00:00:00.000Z')))?.revokedAt).toEqual(first);
      expect((await store.findByHash(key.hash))?.revokedAt).toEqual(first);
      expect((await store.listByOwner(key.ownerId, { cursor: undefined, limit: 10 })).items).toEqual([]);
      expect(await store.revoke(key.ownerId, randomUUID(), first)).toBeUndefined();
    });

    it('writes last-used at most once per interval, once even when many requests race', async () => {
      const store = await createStore();
      const key = await store.create(newApiKey());
      const start = Date.parse('2030-01-01T00:00:00.000Z');
      const racing = await Promise.all(Array.from({ length: 10 }, () => store.touchLastUsed(key.id, new Date(start), 60_000)));
      expect(racing.filter(Boolean)).toHaveLength(1);
      expect(await store.touchLastUsed(key.id, new Date(start + 59_999), 60_000)).toBe(false);
      expect((await store.findByHash(key.hash))?.lastUsedAt).toEqual(new Date(start));
      expect(await store.touchLastUsed(key.id, new Date(start + 60_000), 60_000)).toBe(true);
      expect((await store.findByHash(key.hash))?.lastUsedAt).toEqual(new Date(start + 60_000));
      expect(await store.touchLastUsed(randomUUID(), new Date(start), 60_000)).toBe(false);
    });

    it('rejects a forged cursor', async () => {
      const store = await createStore();
      await expect(store.listByOwner(randomUUID(), { cursor: 'bm90LWEtY3Vyc29y', limit: 5 })).rejects.toThrow(/cursor/);
    });
  });
}
