import { randomUUID } from 'node:crypto';
import type { Credentials } from './sessions.js';
import type { RunningGatehouse } from './start-gatehouse.js';

/**
 * A fresh account written to the server's store directly, as an operator's seed would: auth.register's
 * budget (10 an hour per IP) would run out in a file that needs a new user per test.
 */
export async function createStoredUser(gatehouse: RunningGatehouse, label: string): Promise<Credentials & { id: string }> {
  const credentials = { email: `${label}-${randomUUID()}@test.gatehouse`, password: `${label} stored test user password` };
  const passwordHash = await gatehouse.server.deps.passwords.hash(credentials.password);
  const { id } = await gatehouse.server.deps.users.create({ email: credentials.email, name: label, role: 'user', passwordHash });
  return { ...credentials, id };
}
