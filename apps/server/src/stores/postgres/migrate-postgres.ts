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
  const { error, results }: MigrationResultSet = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    throw new MigrationError(failed, { cause: error });
  }
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
}
