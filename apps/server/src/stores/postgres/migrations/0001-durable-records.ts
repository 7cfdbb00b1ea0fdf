import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The first schema: users, orders, API keys (hashes only) and the audit log. Written in SQL rather than the
 * schema builder where PostgreSQL features carry the guarantees (expression indexes, generated columns,
 * identity columns), so what runs is what is read here.
 */
export const durableRecords: Migration = {
  async up(db: Kysely<unknown>) {
    // Emails are unique whatever their case: the index, not a check before the insert, decides a registration race.
    await sql`
      CREATE TABLE users (
        id uuid PRIMARY KEY,
        email text NOT NULL,
        name text NOT NULL,
        role text NOT NULL,
        password_hash text NOT NULL,
        created_at timestamptz NOT NULL,
        position bigint GENERATED ALWAYS AS IDENTITY UNIQUE
      )`.execute(db);
    await sql`CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email))`.execute(db);

    await sql`
      CREATE TABLE orders (
        id uuid PRIMARY KEY,
        owner_id text NOT NULL,
        items jsonb NOT NULL,
        shipping_address jsonb NOT NULL,
        payment_method text NOT NULL,
        status text NOT NULL,
        created_at timestamptz NOT NULL,
        position bigint GENERATED ALWAYS AS IDENTITY UNIQUE
      )`.execute(db);
    await sql`CREATE INDEX orders_owner_position_idx ON orders (owner_id, position DESC)`.execute(db);

    // Only the SHA-256 of a key is stored; the hash is unique, so two keys can never answer for one secret.
    await sql`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY,
        owner_id text NOT NULL,
        name text NOT NULL,
        prefix text NOT NULL,
        hash text NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$'),
        scopes jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz,
        last_used_at timestamptz,
        revoked_at timestamptz,
        parent_id uuid REFERENCES api_keys (id) ON DELETE CASCADE,
        position bigint GENERATED ALWAYS AS IDENTITY UNIQUE
      )`.execute(db);
    await sql`CREATE INDEX api_keys_live_by_owner_idx ON api_keys (owner_id, position DESC) WHERE revoked_at IS NULL`.execute(db);
    await sql`CREATE INDEX api_keys_parent_idx ON api_keys (parent_id) WHERE parent_id IS NOT NULL`.execute(db);

    // Append-only: the sequence is the primary key, so two writers can never link two records to one predecessor.
    await sql`
      CREATE TABLE audit_log (
        sequence bigint PRIMARY KEY CHECK (sequence >= 0),
        recorded_at timestamptz NOT NULL,
        record jsonb NOT NULL,
        type text GENERATED ALWAYS AS (record ->> 'type') STORED,
        principal text GENERATED ALWAYS AS (record ->> 'principal') STORED
      )`.execute(db);
    await sql`CREATE INDEX audit_log_type_idx ON audit_log (type, sequence DESC)`.execute(db);
    await sql`CREATE INDEX audit_log_principal_idx ON audit_log (principal, sequence DESC)`.execute(db);
    await sql`CREATE INDEX audit_log_recorded_at_idx ON audit_log (recorded_at)`.execute(db);
    // The sealed head and low-water mark, one row each, so an append and a trim lock different rows.
    await sql`
      CREATE TABLE audit_chain_marks (
        name text PRIMARY KEY CHECK (name IN ('head', 'low_water')),
        value text NOT NULL
      )`.execute(db);
    // What retention removed, one row per run that removed something: kept forever (it is small).
    await sql`
      CREATE TABLE audit_retention_runs (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        ran_at timestamptz NOT NULL,
        cutoff timestamptz NOT NULL,
        removed integer NOT NULL,
        first_sequence bigint,
        last_sequence bigint,
        trimmed_before bigint NOT NULL
      )`.execute(db);
  },

  async down(db: Kysely<unknown>) {
    for (const table of ['audit_retention_runs', 'audit_chain_marks', 'audit_log', 'api_keys', 'orders', 'users']) {
      await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db);
    }
  },
};
