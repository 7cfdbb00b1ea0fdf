import { setTimeout as delay } from 'node:timers/promises';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../../test-support/api-key-store-behaviour.js';
import { newUser } from '../../../test-support/user-store-behaviour.js';
import { createPostgresDatabase, type PostgresDatabase } from './postgres-database.js';
import { createPostgresStoreFixture, type PostgresStoreFixture } from '../../../test-support/postgres-store-fixture.js';
import { createPostgresUserStore } from './postgres-user-store.js';
import { createPostgresApiKeyStore } from './postgres-api-key-store.js';
import type { UserRecord } from '../user-store.js';
import type { ApiKeyRecord } from '../api-key-store.js';

// Two "processes" on one schema: each its own pool, listener and caches, as two servers would have.
let fixture: PostgresStoreFixture;
let other: PostgresDatabase;
beforeAll(async () => {
  fixture = await createPostgresStoreFixture('cache-invalidation');
  other = createPostgresDatabase({ url: fixture.schema.url, timeoutMs: 5_000, poolSize: 4, logger: pino({ level: 'silent' }) });
  await until(() => fixture.database.invalidation.listening && other.invalidation.listening);
});
afterAll(async () => {
  await other?.close();
  await fixture?.close();
});

/** A long TTL, so only an eviction can make a process see a change. */
const LONG_TTL = { ttlMs: 600_000, maxEntries: 100 };

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await delay(20);
  }
}

describe('postgres cache invalidation across processes', () => {
  it('evicts a user everywhere when one process changes the role, long before the TTL', async () => {
    await fixture.empty();
    const here = createPostgresUserStore({ db: fixture.database.db, cache: fixture.database.invalidation.lookupCache<UserRecord>('user', LONG_TTL) });
    const there = createPostgresUserStore({ db: other.db, cache: other.invalidation.lookupCache<UserRecord>('user', LONG_TTL) });
    const user = await here.create(newUser({ role: 'admin' }));
    expect((await there.findById(user.id))?.role).toBe('admin');
    // Cached there: a change behind every store's back stays unseen (the cache is real)...
    await fixture.schema.admin.query(`UPDATE users SET name = 'Behind the back' WHERE id = $1`, [user.id]);
    expect((await there.findById(user.id))?.name).toBe(user.name);
    // ...and a demotion through another process reaches it at once.
    await here.setRole(user.id, 'user');
    await until(async () => (await there.findById(user.id))?.role === 'user', 2_000);
  });

  it('evicts a revoked API key in the other process', async () => {
    await fixture.empty();
    const here = createPostgresApiKeyStore({ db: fixture.database.db, cache: fixture.database.invalidation.lookupCache<ApiKeyRecord>('api-key', LONG_TTL) });
    const there = createPostgresApiKeyStore({ db: other.db, cache: other.invalidation.lookupCache<ApiKeyRecord>('api-key', LONG_TTL) });
    const key = await here.create(newApiKey());
    expect((await there.findByHash(key.hash))?.revokedAt).toBeUndefined();
    await here.revoke(key.ownerId, key.id, new Date());
    await until(async () => (await there.findByHash(key.hash))?.revokedAt !== undefined, 2_000);
  });

  it('believes nothing while its listener is down, and caches again once it listens', async () => {
    await fixture.empty();
    const cache = other.invalidation.lookupCache<UserRecord>('user', LONG_TTL);
    const there = createPostgresUserStore({ db: other.db, cache });
    const user = await createPostgresUserStore({ db: fixture.database.db }).create(newUser());
    expect((await there.findById(user.id))?.name).toBe(user.name);

    // What an outage of the listener's connection looks like to the process: the server ends it.
    await fixture.schema.admin.query('SELECT pg_terminate_backend($1)', [other.invalidation.listenerPid]);
    await until(() => !other.invalidation.listening);
    // Deaf: a change nobody announced is seen at once, because nothing is believed from the cache.
    await fixture.schema.admin.query(`UPDATE users SET name = 'Changed while deaf' WHERE id = $1`, [user.id]);
    expect((await there.findById(user.id))?.name).toBe('Changed while deaf');

    await until(() => other.invalidation.listening, 5_000);
    expect((await there.findById(user.id))?.name).toBe('Changed while deaf');
    await fixture.schema.admin.query(`UPDATE users SET name = 'Behind the back again' WHERE id = $1`, [user.id]);
    // Listening again: the cache is believed again (the unannounced change stays unseen until evicted).
    expect((await there.findById(user.id))?.name).toBe('Changed while deaf');
  });
});
