import { Migrator, sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratePostgres } from './migrate-postgres.js';
import { MIGRATIONS, migrationProvider } from './migrations/migration-list.js';
import { createPostgresDatabase, type PostgresDatabase } from './postgres-database.js';
import { createPostgresTestSchema, type PostgresTestSchema } from '../../../test-support/postgres-test-schema.js';
import { createPostgresUserStore } from './postgres-user-store.js';

let schema: PostgresTestSchema;
let database: PostgresDatabase;
beforeAll(async () => {
  schema = await createPostgresTestSchema('migrations');
  database = createPostgresDatabase({ url: schema.url, timeoutMs: 5_000, poolSize: 2, logger: pino({ level: 'silent' }) });
});
afterAll(async () => {
  await database?.close();
  await schema?.cleanup();
});

describe('PostgreSQL migrations', () => {
  it('bring a database written by the first release to the newest schema with every row kept', async () => {
    // The database as the first release left it: only 0001 applied, one user in it.
    const migrator = new Migrator({ db: database.db, provider: migrationProvider, migrationTableSchema: schema.schema });
    const first = await migrator.migrateTo('0001-durable-records');
    expect(first.error).toBeUndefined();
    await schema.admin.query(
      `INSERT INTO users (id, email, name, role, password_hash, created_at) VALUES ('6f1c1f47-6d4e-4a39-9e43-1f7a2b0c9d10', 'early@example.test', 'Early', 'admin', 'hash', now())`,
    );

    // A newer server starting on it runs what is missing, and only that.
    const applied = await migratePostgres(database.db);
    expect(applied).toEqual(Object.keys(MIGRATIONS).slice(1));
    expect(await migratePostgres(database.db)).toEqual([]);

    const users = createPostgresUserStore({ db: database.db });
    const early = await users.findById('6f1c1f47-6d4e-4a39-9e43-1f7a2b0c9d10');
    expect(early).toMatchObject({ email: 'early@example.test', name: 'Early', role: 'admin', passwordHash: 'hash' });
    expect(early).not.toHaveProperty('attributes');
    // The new column works for the rows that were already there.
    const updated = await users.setAttributes('6f1c1f47-6d4e-4a39-9e43-1f7a2b0c9d10', { department: 'support', region: 'emea' });
    expect(updated?.attributes).toEqual({ department: 'support', region: 'emea' });
    const { rows } = await sql<{ count: string }>`SELECT count(*) AS count FROM users`.execute(database.db);
    expect(rows[0]?.count).toBe('1');
  });
});
