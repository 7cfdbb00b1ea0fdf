import { setTimeout as delay } from 'node:timers/promises';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { DatabaseConfig } from '../../config.js';
import { StartupError } from '../../startup-error.js';
import { migratePostgres, MigrationError } from './migrate-postgres.js';
import { createPostgresDatabase, type PostgresDatabase } from './postgres-database.js';
import { sqlState } from './postgres-unavailable.js';

/** How long start-up waits for PostgreSQL to answer before it gives up with one line saying why. */
const STARTUP_WAIT_MS = 5_000;

/**
 * The database as the server starts on it: reachable (or a StartupError naming the address and the reason),
 * migrated to the newest schema, ready for the stores. Later outages are the stores' business (503s).
 */
export async function openPostgres(config: DatabaseConfig, logger: Logger): Promise<PostgresDatabase> {
  const database = createPostgresDatabase({ url: config.url, timeoutMs: config.timeoutMs, poolSize: config.poolSize, logger });
  try {
    await waitUntilReachable(database, config);
    const applied = await migratePostgres(database.db);
    if (applied.length > 0) logger.info({ migrations: applied }, 'postgres schema migrated');
    return database;
  } catch (error) {
    await database.close().catch(() => undefined);
    if (error instanceof MigrationError) {
      throw new StartupError(`DATABASE_URL: ${error.message} at ${database.address} (${reasonOf(error.cause)}); nothing of it was applied`, { cause: error });
    }
    throw error;
  }
}

async function waitUntilReachable(database: PostgresDatabase, config: DatabaseConfig): Promise<void> {
  const deadline = Date.now() + STARTUP_WAIT_MS;
  for (;;) {
    try {
      await sql`SELECT 1`.execute(database.db);
      return;
    } catch (error) {
      const name = new URL(config.url).pathname.slice(1) || 'postgres';
      if (sqlState(error) === '3D000') {
        throw new StartupError(`DATABASE_URL: database "${name}" does not exist at ${database.address}: create it (createdb ${name}) or point DATABASE_URL at one`, { cause: error });
      }
      if (sqlState(error) === '28P01' || sqlState(error) === '28000') {
        throw new StartupError(`DATABASE_URL: PostgreSQL at ${database.address} refused the credentials (${reasonOf(error)})`, { cause: error });
      }
      if (Date.now() >= deadline) {
        throw new StartupError(
          `cannot reach PostgreSQL at ${database.address} (${reasonOf(error)}) within ${STARTUP_WAIT_MS / 1000} s: start PostgreSQL there, or set DATABASE_URL to where it runs`,
          { cause: error },
        );
      }
      await delay(200);
    }
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof AggregateError) return reasonOf(error.errors[0]);
  if (error instanceof Error) return error.message || (error as NodeJS.ErrnoException).code || error.name;
  return String(error);
}
