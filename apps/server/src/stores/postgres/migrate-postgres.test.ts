import { Migrator, sql, type MigrationResultSet } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratePostgres, runMigrator } from './migrate-postgres.js';
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
    const first = await runMigrator(() => migrator.migrateTo('0001-durable-records'), schema.schema);
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

  it('asks again when another schema vanishes while the Migrator looks at every schema, and never for its own', async () => {
    // PostgreSQL's own answer when has_schema_privilege (as Kysely's introspection calls it) meets a dropped schema.
    const vanished = (name: string): Promise<MigrationResultSet> =>
      sql`SELECT has_schema_privilege(${name}, 'USAGE')`.execute(database.db).then(
        (): MigrationResultSet => ({ results: [] }),
        (error: unknown): MigrationResultSet => ({ error }),
      );
    let calls = 0;
    const recovered = await runMigrator(async () => {
      calls += 1;
      return calls === 1 ? vanished('t_dropped_by_another_test') : { results: [] };
    }, schema.schema);
    expect(recovered.error).toBeUndefined();
    expect(calls).toBe(2);

    let ownCalls = 0;
    const own = await runMigrator(() => {
      ownCalls += 1;
      return vanished(schema.schema + '_x');
    }, schema.schema + '_x');
    expect(own.error).toMatchObject({ code: '3F000' });
    expect(ownCalls).toBe(1);
  });
});
