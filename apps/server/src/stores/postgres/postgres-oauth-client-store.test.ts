import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeOAuthClientStore, newConfidentialClient } from '../../../test-support/oauth-client-store-behaviour.js';
import { ClientIdTakenError } from '../oauth-client-store.js';
import { createPostgresOAuthClientStore } from './postgres-oauth-client-store.js';
import { createPostgresStoreFixture, type PostgresStoreFixture } from '../../../test-support/postgres-store-fixture.js';

let fixture: PostgresStoreFixture;
beforeAll(async () => {
  fixture = await createPostgresStoreFixture('oauth-client-store');
});
afterAll(() => fixture?.close());

describeOAuthClientStore('postgres', async ({ now }) => {
  await fixture.empty();
  return createPostgresOAuthClientStore({ db: fixture.database.db, now });
});

describe('PostgreSQL OAuth client store', () => {
  it('keeps one row per client with only the secret’s digest, and lets the primary key decide a registration race', async () => {
    await fixture.empty();
    const store = createPostgresOAuthClientStore({ db: fixture.database.db });
    const client = newConfidentialClient();
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => store.create(client)));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const result of results) if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(ClientIdTakenError);
    const { rows } = await fixture.schema.admin.query('SELECT client_id, secret_kind, secret FROM oauth_clients');
    expect(rows).toEqual([{ client_id: client.clientId, secret_kind: 'sha256', secret: 'ab'.repeat(32) }]);
  });
});
