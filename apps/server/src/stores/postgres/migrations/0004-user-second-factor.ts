import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Users gain a second factor (TOTP: sealed secret, hashed recovery codes, last time step used). A nullable
 * jsonb column: every existing row reads as "no second factor", and signs in with a password as before.
 */
export const userSecondFactor: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`ALTER TABLE users ADD COLUMN second_factor jsonb`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    await sql`ALTER TABLE users DROP COLUMN second_factor`.execute(db);
  },
};
