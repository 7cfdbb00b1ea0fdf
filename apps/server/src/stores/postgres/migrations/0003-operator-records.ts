import { sql, type Kysely, type Migration } from 'kysely';

/**
 * What the operators' CLI changes: users can be disabled (a nullable timestamp, so every existing user stays
 * active), and the OAuth client registry moves into the database (a new table, filled from the seed file on
 * the next start by the same idempotent step every store uses). Nothing existing is rewritten.
 */
export const operatorRecords: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`ALTER TABLE users ADD COLUMN disabled_at timestamptz`.execute(db);
    // Client ids are compared exactly (the primary key); the secret is only ever a SHA-256 or a bcrypt hash.
    await sql`
      CREATE TABLE oauth_clients (
        client_id text PRIMARY KEY,
        type text NOT NULL CHECK (type IN ('public', 'confidential')),
        redirect_uris jsonb NOT NULL,
        scopes jsonb NOT NULL,
        grant_types jsonb NOT NULL,
        secret_kind text CHECK (secret_kind IN ('sha256', 'bcrypt')),
        secret text,
        pin_network boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL,
        disabled_at timestamptz,
        CHECK ((secret_kind IS NULL) = (secret IS NULL))
      )`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    await sql`DROP TABLE oauth_clients`.execute(db);
    await sql`ALTER TABLE users DROP COLUMN disabled_at`.execute(db);
  },
};
