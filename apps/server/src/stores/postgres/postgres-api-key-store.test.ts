import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY_RETENTION_MS, type ApiKeyRecord } from '../api-key-store.js';
import { describeApiKeyStore, newApiKey } from '../../../test-support/api-key-store-behaviour.js';
import { createLookupCache } from './lookup-cache.js';
import { createPostgresApiKeyStore } from './postgres-api-key-store.js';
import { createPostgresStoreFixture, type PostgresStoreFixture } from '../../../test-support/postgres-store-fixture.js';

let fixture: PostgresStoreFixture;
beforeAll(async () => {
  fixture = await createPostgresStoreFixture('api-key-store');
});
afterAll(() => fixture?.close());

describeApiKeyStore('postgres', () => createPostgresApiKeyStore({ db: fixture.database.db }));

describe('PostgreSQL API key store', () => {
  it('removes keys that ended more than the retention ago as new keys are created, and keeps the rest', async () => {
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const store = createPostgresApiKeyStore({ db: fixture.database.db, now: () => new Date(clock) });
    const revokedLongAgo = await store.create(newApiKey());
    const parentExpiring = await store.create(newApiKey({ expiresAt: new Date(clock + 1_000) }));
    const childOfExpiring = await store.create(newApiKey({ ownerId: parentExpiring.ownerId, parentId: parentExpiring.id }));
    const live = await store.create(newApiKey());
    await store.revoke(revokedLongAgo.ownerId, revokedLongAgo.id, new Date(clock));
    clock += API_KEY_RETENTION_MS - 60_000;
    const revokedLately = await store.create(newApiKey());
    await store.revoke(revokedLately.ownerId, revokedLately.id, new Date(clock));
    // Within the retention: an ended key still answers as revoked or expired.
    expect((await store.findByHash(revokedLongAgo.hash))?.revokedAt).toBeDefined();

    clock += 120_000;
    await store.create(newApiKey());
    expect(await store.findByHash(revokedLongAgo.hash)).toBeUndefined();
    expect(await store.findByHash(parentExpiring.hash)).toBeUndefined();
    expect(await store.findByHash(childOfExpiring.hash)).toBeUndefined();
    expect((await store.findByHash(revokedLately.hash))?.revokedAt).toBeDefined();
    expect((await store.findByHash(live.hash))?.revokedAt).toBeUndefined();
  });

  it('stores the hash and never the key, and refuses a second key with the same hash', async () => {
    const store = createPostgresApiKeyStore({ db: fixture.database.db });
    const key = await store.create(newApiKey());
    const columns = await fixture.schema.admin.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'api_keys' AND table_schema = $1`, [fixture.schema.schema]);
    expect(columns.rows.map((row: { column_name: string }) => row.column_name)).not.toContain('key');
    await expect(store.create(newApiKey({ hash: key.hash }))).rejects.toMatchObject({ code: '23505' });
  });

  it('never mints a key that outlives a concurrent revocation of its parent', async () => {
    const store = createPostgresApiKeyStore({ db: fixture.database.db });
    for (let round = 0; round < 5; round += 1) {
      const parent = await store.create(newApiKey());
      const minting = Array.from({ length: 6 }, () => store.create(newApiKey({ ownerId: parent.ownerId, parentId: parent.id })).catch(() => undefined));
      const [revoked, ...children] = await Promise.all([store.revoke(parent.ownerId, parent.id, new Date()), ...minting]);
      expect(revoked?.revokedAt).toBeInstanceOf(Date);
      for (const child of children) {
        if (child !== undefined) expect((await store.findByHash(child.hash))?.revokedAt).toBeInstanceOf(Date);
      }
    }
  });

  it('serves lookups by hash from the cache and drops a revoked key from it at once', async () => {
    const cache = createLookupCache<ApiKeyRecord>({ ttlMs: 60_000, maxEntries: 100 });
    const store = createPostgresApiKeyStore({ db: fixture.database.db, cache });
    const ownerId = randomUUID();
    const parent = await store.create(newApiKey({ ownerId }));
    const child = await store.create(newApiKey({ ownerId, parentId: parent.id }));
    const other = await store.create(newApiKey({ ownerId }));
    for (const key of [parent, child, other]) expect((await store.findByHash(key.hash))?.revokedAt).toBeUndefined();
    await fixture.schema.admin.query(`UPDATE api_keys SET name = 'renamed elsewhere' WHERE id = $1`, [parent.id]);
    expect((await store.findByHash(parent.hash))?.name).toBe(parent.name);
    await store.revoke(ownerId, parent.id, new Date());
    expect((await store.findByHash(parent.hash))?.revokedAt).toBeInstanceOf(Date);
    expect((await store.findByHash(child.hash))?.revokedAt).toBeInstanceOf(Date);
    expect((await store.findByHash(other.hash))?.revokedAt).toBeUndefined();
    await store.revokeAllOfOwner(ownerId, new Date());
    expect((await store.findByHash(other.hash))?.revokedAt).toBeInstanceOf(Date);
  });

  it('keeps the last use in the cache after writing it, so the next call does not write again', async () => {
    const cache = createLookupCache<ApiKeyRecord>({ ttlMs: 60_000, maxEntries: 100 });
    const store = createPostgresApiKeyStore({ db: fixture.database.db, cache });
    const key = await store.create(newApiKey());
    await store.findByHash(key.hash);
    const at = new Date('2030-01-01T00:00:00.000Z');
    expect(await store.touchLastUsed(key.id, at, 60_000)).toBe(true);
    expect((await store.findByHash(key.hash))?.lastUsedAt).toEqual(at);
  });
});
