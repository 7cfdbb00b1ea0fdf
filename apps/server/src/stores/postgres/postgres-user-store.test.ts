import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeUserStore, newUser } from '../../../test-support/user-store-behaviour.js';
import { createLookupCache } from './lookup-cache.js';
import { createPostgresStoreFixture, type PostgresStoreFixture } from '../../../test-support/postgres-store-fixture.js';
import { createPostgresUserStore } from './postgres-user-store.js';
import type { UserRecord } from '../user-store.js';

let fixture: PostgresStoreFixture;
beforeAll(async () => {
  fixture = await createPostgresStoreFixture('user-store');
});
afterAll(() => fixture?.close());

describeUserStore('postgres', async ({ now }) => {
  await fixture.empty();
  return createPostgresUserStore({ db: fixture.database.db, now });
});

describe('PostgreSQL user store', () => {
  it('keeps users in the users table, the email unique whatever its case, enforced by the database itself', async () => {
    await fixture.empty();
    const store = createPostgresUserStore({ db: fixture.database.db });
    const user = await store.create(newUser({ email: 'Case@Store.test' }));
    const rows = await fixture.schema.admin.query('SELECT id, email, role FROM users');
    expect(rows.rows).toEqual([{ id: user.id, email: 'Case@Store.test', role: 'user' }]);
    await expect(fixture.schema.admin.query(`INSERT INTO users (id, email, name, role, password_hash, created_at) VALUES (gen_random_uuid(), 'case@store.TEST', 'x', 'user', 'x', now())`)).rejects.toMatchObject({
      code: '23505',
    });
  });

  it('serves a user’s role from the cache, and a role change made here at once', async () => {
    await fixture.empty();
    const cache = createLookupCache<UserRecord>({ ttlMs: 60_000, maxEntries: 100 });
    const store = createPostgresUserStore({ db: fixture.database.db, cache });
    const user = await store.create(newUser());
    expect((await store.findById(user.id))?.role).toBe('user');
    // Changed behind the store's back: the cached answer stands until its TTL...
    await fixture.schema.admin.query(`UPDATE users SET name = 'Elsewhere' WHERE id = $1`, [user.id]);
    expect((await store.findById(user.id))?.name).toBe(user.name);
    // ...but a change through the store is seen at once.
    await store.setRole(user.id, 'admin');
    expect(await store.findById(user.id)).toMatchObject({ role: 'admin', name: 'Elsewhere' });
  });

  it('answers undefined for an id that is not a UUID, without asking PostgreSQL to cast it', async () => {
    const store = createPostgresUserStore({ db: fixture.database.db });
    expect(await store.findById('not-a-uuid')).toBeUndefined();
    expect(await store.setRole('not-a-uuid', 'admin')).toBeUndefined();
  });
});
