import type { PasswordHasher } from '../auth/password-hasher.js';
import type { UserStore } from '../stores/user-store.js';
import { EmailTakenError } from '../stores/user-store.js';
import type { Seed } from './seed-schema.js';

/**
 * Creates the seed's users that do not exist yet. Idempotent, so several
 * processes sharing a Redis store can all start from the same seed.
 */
export async function applySeedUsers(seed: Seed, users: UserStore, passwords: PasswordHasher): Promise<number> {
  let created = 0;
  for (const user of seed.users) {
    if ((await users.findByEmail(user.email)) !== undefined) continue;
    const passwordHash = 'passwordHash' in user ? user.passwordHash : await passwords.hash(user.password);
    try {
      const record = await users.create({ email: user.email, name: user.name, role: user.role, passwordHash });
      if (user.attributes !== undefined) await users.setAttributes(record.id, user.attributes);
      created += 1;
    } catch (error) {
      if (!(error instanceof EmailTakenError)) throw error; // another process seeded it first
    }
  }
  return created;
}
