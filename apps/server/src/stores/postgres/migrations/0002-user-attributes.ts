import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Users gain the attributes attribute-based policies read (department, region). A nullable column: every
 * existing row stays as it was and reads as "no attributes set", exactly as before this migration.
 */
export const userAttributes: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`ALTER TABLE users ADD COLUMN attributes jsonb`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    await sql`ALTER TABLE users DROP COLUMN attributes`.execute(db);
  },
};
