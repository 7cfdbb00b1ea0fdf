import { Migrator, sql, type Kysely, type MigrationResultSet } from 'kysely';
import { migrationProvider } from './migrations/migration-list.js';
import type { GatehouseDatabase } from './postgres-schema.js';

/** The migrations that ran, by name; already applied ones are not listed. */
export type AppliedMigrations = readonly string[];

export class MigrationError extends Error {
  constructor(failed: string | undefined, options?: ErrorOptions) {
    super(failed === undefined ? 'PostgreSQL migrations failed' : `PostgreSQL migration ${failed} failed`, options);
    this.name = 'MigrationError';
  }
}

/**
 * Brings the schema to the newest version, on every start. Kysely's Migrator takes a database-wide lock,
 * so processes starting together migrate once, and runs each migration in a transaction: a failed one
 * leaves nothing half-applied. Names of migrations already run but no longer in the repo are refused
 * (a server older than its database does not start).
 */
export async function migratePostgres(db: Kysely<GatehouseDatabase>): Promise<AppliedMigrations> {
  // The schema the tables land in (the first of search_path): Kysely looks for its bookkeeping table in every
  // schema unless told which, and would take another schema's for this one's.
  const { rows } = await sql<{ schema: string | null }>`SELECT current_schema() AS schema`.execute(db);
  const schema = rows[0]?.schema ?? null;
  if (schema === null) throw new MigrationError(undefined, { cause: new Error('no schema on search_path to create the tables in') });
  const migrator = new Migrator({ db, provider: migrationProvider, migrationTableSchema: schema });
  const { error, results }: MigrationResultSet = await runMigrator(() => migrator.migrateToLatest(), schema);
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    throw new MigrationError(failed, { cause: error });
  }
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
}

/** PostgreSQL's invalid_schema_name. */
const INVALID_SCHEMA_NAME = '3F000';
const MIGRATOR_ATTEMPTS = 5;

/**
 * Runs a Migrator step, again when another schema vanished under it. Before it takes its lock, Kysely's
 * Migrator looks for its bookkeeping tables by introspecting every schema of the database
 * (`has_schema_privilege` over pg_namespace), and a schema someone else drops during that query fails it
 * with invalid_schema_name, naming that schema. Nothing was applied then, and migrating is idempotent
 * (only pending migrations run, each in its own transaction), so the step is simply asked again once the
 * drop has committed. A missing schema of our own is a real error and is answered at once.
 */
export async function runMigrator(step: () => Promise<MigrationResultSet>, ownSchema: string): Promise<MigrationResultSet> {
  for (let attempt = 1; ; attempt += 1) {
    const outcome = await step();
    if (attempt >= MIGRATOR_ATTEMPTS || !isOtherSchemaVanished(outcome.error, ownSchema)) return outcome;
  }
}

function isOtherSchemaVanished(error: unknown, ownSchema: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === INVALID_SCHEMA_NAME && typeof message === 'string' && !message.includes(`"${ownSchema}"`);
}
