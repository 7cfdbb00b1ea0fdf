import { randomUUID } from 'node:crypto';
import pg from 'pg';

/**
 * For tests: a private schema in the shared test database on the real PostgreSQL, so test files (and the
 * servers they start) running in parallel never see each other's tables, and a cleanup that drops it.
 * The schema is chosen through the URL (`options=-c search_path=...`), exactly as an operator could.
 * Test-only; nothing in the server imports it.
 */
export interface PostgresTestSchema {
  /** DATABASE_URL for a server or store confined to this schema. */
  readonly url: string;
  readonly schema: string;
  /** An admin connection to the test database, for looking behind a store's back. */
  readonly admin: pg.Client;
  cleanup(): Promise<void>;
}

/** The shared server (trust auth, user postgres); TEST_POSTGRES_URL points the tests elsewhere. */
export const TEST_POSTGRES_SERVER = process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432';
export const TEST_DATABASE = 'gatehouse_test';

let databaseReady: Promise<void> | undefined;

/** Creates the test database once; parallel workers racing to create it are fine. */
async function ensureTestDatabase(): Promise<void> {
  const client = new pg.Client({ connectionString: `${TEST_POSTGRES_SERVER}/postgres` });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [TEST_DATABASE]);
    if (found.rowCount === 0) {
      // 42P04 duplicate_database, or 23505 when two creations race on the catalog's unique index.
      await client.query(`CREATE DATABASE ${TEST_DATABASE}`).catch((error: { code?: string }) => {
        if (error.code !== '42P04' && error.code !== '23505') throw error;
      });
    }
    // Tests only: a commit returns before its WAL reaches the disk (about 10 ms a commit on this host, which
    // made a 350-record audit test a matter of disk speed). Nothing is lost on a clean stop or a server
    // restart, which is what the tests exercise; production keeps PostgreSQL's default, on.
    // Workers race here too: only one writes the setting, and one that loses the catalog update to another
    // finds the same value written, so that error is not a failure: "tuple concurrently updated" when the
    // setting's row existed, 23505 on the catalog's unique index when both inserted it (a fresh machine's
    // first run).
    const settings = await client.query<{ setconfig: string[] | null }>(
      `SELECT s.setconfig FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
        WHERE d.datname = $1 AND s.setrole = 0`,
      [TEST_DATABASE],
    );
    const alreadyOff = settings.rows.some((row) => row.setconfig?.includes('synchronous_commit=off'));
    if (!alreadyOff) {
      await client
        .query(`ALTER DATABASE ${TEST_DATABASE} SET synchronous_commit = off`)
        .catch((error: { code?: string; message?: string }) => {
          if (error.message !== 'tuple concurrently updated' && error.code !== '23505') throw error;
        });
    }
  } finally {
    await client.end();
  }
}

export function schemaUrl(database: string, schema: string): string {
  return `${TEST_POSTGRES_SERVER}/${database}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

export async function createPostgresTestSchema(name: string): Promise<PostgresTestSchema> {
  databaseReady ??= ensureTestDatabase();
  await databaseReady;
  const schema = `t_${name.replace(/[^a-z0-9]/gi, '_').toLowerCase().slice(0, 30)}_${randomUUID().slice(0, 8)}`;
  const admin = new pg.Client({ connectionString: `${TEST_POSTGRES_SERVER}/${TEST_DATABASE}` });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.query(`SET search_path TO ${schema}`);
  return {
    url: schemaUrl(TEST_DATABASE, schema),
    schema,
    admin,
    async cleanup() {
      try {
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await admin.end();
      }
    },
  };
}
