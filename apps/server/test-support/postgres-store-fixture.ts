import { pino } from 'pino';
import { migratePostgres } from '../src/stores/postgres/migrate-postgres.js';
import { createPostgresDatabase, type PostgresDatabase } from '../src/stores/postgres/postgres-database.js';
import { createPostgresTestSchema, type PostgresTestSchema } from './postgres-test-schema.js';

/** For store tests: one migrated schema per test file, emptied before each test that asks for a fresh store. */
export interface PostgresStoreFixture {
  readonly schema: PostgresTestSchema;
  readonly database: PostgresDatabase;
  /** Empties every table, so a store built next starts empty. */
  empty(): Promise<void>;
  close(): Promise<void>;
}

export async function createPostgresStoreFixture(name: string, options: { readonly timeoutMs?: number } = {}): Promise<PostgresStoreFixture> {
  const schema = await createPostgresTestSchema(name);
  const database = createPostgresDatabase({ url: schema.url, timeoutMs: options.timeoutMs ?? 5_000, poolSize: 10, logger: pino({ level: 'silent' }) });
  await migratePostgres(database.db);
  return {
    schema,
    database,
    async empty() {
      // DELETE rather than TRUNCATE: a few rows, and TRUNCATE's file swap costs ~300 ms a test on a busy host.
      await schema.admin.query('DELETE FROM audit_retention_runs; DELETE FROM audit_chain_marks; DELETE FROM audit_log; DELETE FROM api_keys; DELETE FROM orders; DELETE FROM users; DELETE FROM oauth_clients');
    },
    async close() {
      await database.close();
      await schema.cleanup();
    },
  };
}
