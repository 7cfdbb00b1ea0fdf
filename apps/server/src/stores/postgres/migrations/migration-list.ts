import type { Migration, MigrationProvider } from 'kysely';
import { durableRecords } from './0001-durable-records.js';
import { userAttributes } from './0002-user-attributes.js';
import { operatorRecords } from './0003-operator-records.js';
import { userSecondFactor } from './0004-user-second-factor.js';

/**
 * Every migration, by name, in the order they run. Names sort in that order (Kysely's Migrator runs them
 * sorted by name): a new one is a new file `000N-what-it-does.ts` and one line here. A migration already
 * released is never edited: a change of schema is a new migration that keeps the data (add a column with
 * a default, backfill, then tighten), never a drop and re-create.
 *
 * Listed here rather than read from the folder (Kysely's FileMigrationProvider) so that the bundled
 * server (scripts/build.mjs) carries its migrations inside it.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({
  '0001-durable-records': durableRecords,
  '0002-user-attributes': userAttributes,
  '0003-operator-records': operatorRecords,
  '0004-user-second-factor': userSecondFactor,
});

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => ({ ...MIGRATIONS }),
};
