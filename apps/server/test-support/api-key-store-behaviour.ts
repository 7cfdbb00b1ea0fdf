import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ParentApiKeyGoneError, type ApiKeyStore, type NewApiKey } from '../src/stores/api-key-store.js';

/** A key as a store sees it: hashes only, so any 64 hex digits will do. */
export function newApiKey(overrides: Partial<NewApiKey> = {}): NewApiKey {
  return {
    ownerId: randomUUID(),
    name: 'ci',
    prefix: 'gk_live_abcdef',
    hash: randomUUID().replaceAll('-', '').repeat(2),
    scopes: ['orders:read'],
    expiresAt: undefined,
    parentId: undefined,
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

    it('gives a minted key at most its parent’s expiry, never more', async () => {
      const store = await createStore();
      const parentExpiry = new Date(Date.now() + 86_400_000);
      const parent = await store.create(newApiKey({ expiresAt: parentExpiry }));
      const forever = await store.create(newApiKey({ ownerId: parent.ownerId, parentId: parent.id }));
      expect(forever.expiresAt).toEqual(parentExpiry);
      expect(forever.parentId).toBe(parent.id);
      const later = await store.create(newApiKey({ ownerId: parent.ownerId, parentId: parent.id, expiresAt: new Date(parentExpiry.getTime() + 1_000) }));
      expect(later.expiresAt).toEqual(parentExpiry);
      const sooner = new Date(parentExpiry.getTime() - 1_000);
      expect((await store.create(newApiKey({ ownerId: parent.ownerId, parentId: parent.id, expiresAt: sooner }))).expiresAt).toEqual(sooner);
    });

    it('revokes every key minted through a key, down the generations, with it', async () => {
      const store = await createStore();
      const parent = await store.create(newApiKey());
      const child = await store.create(newApiKey({ ownerId: parent.ownerId, parentId: parent.id }));
      const grandchild = await store.create(newApiKey({ ownerId: parent.ownerId, parentId: child.id }));
      const sibling = await store.create(newApiKey({ ownerId: parent.ownerId }));
      const at = new Date('2030-01-01T00:00:00.000Z');
      await store.revoke(parent.ownerId, parent.id, at);
      for (const key of [parent, child, grandchild]) expect((await store.findByHash(key.hash))?.revokedAt).toEqual(at);
      expect((await store.findByHash(sibling.hash))?.revokedAt).toBeUndefined();
    });

    it('refuses to mint through a revoked, expired or unknown parent', async () => {
      const store = await createStore();
      const revoked = await store.create(newApiKey());
      await store.revoke(revoked.ownerId, revoked.id, new Date());
      const expired = await store.create(newApiKey({ expiresAt: new Date(Date.now() - 1_000) }));
      for (const parentId of [revoked.id, expired.id, randomUUID()]) {
        await expect(store.create(newApiKey({ parentId }))).rejects.toBeInstanceOf(ParentApiKeyGoneError);
      }
    });

    it('revokes all of an owner’s keys at once, and no one else’s', async () => {
      const store = await createStore();
      const ownerId = randomUUID();
      const first = await store.create(newApiKey({ ownerId }));
      await store.create(newApiKey({ ownerId, parentId: first.id }));
      await store.create(newApiKey({ ownerId }));
      const other = await store.create(newApiKey());
      expect(await store.revokeAllOfOwner(ownerId, new Date())).toBe(3);
      expect((await store.listByOwner(ownerId, { cursor: undefined, limit: 10 })).items).toEqual([]);
      expect((await store.findByHash(other.hash))?.revokedAt).toBeUndefined();
      expect(await store.revokeAllOfOwner(ownerId, new Date())).toBe(0);
    });

    it('rejects a forged cursor', async () => {
      const store = await createStore();
      await expect(store.listByOwner(randomUUID(), { cursor: 'bm90LWEtY3Vyc29y', limit: 5 })).rejects.toThrow(/cursor/);
    });
  });
}
