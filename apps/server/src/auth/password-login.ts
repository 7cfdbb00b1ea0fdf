import type { EventOrigin } from '../audit/security-events.js';
import type { Dependencies } from '../dependencies.js';
import type { UserRecord } from '../stores/user-store.js';

/**
 * Checks an email and password the one way Gatehouse does, for auth.login and
 * the OAuth authorize form alike: a full bcrypt compare even for unknown
 * emails (same answer, same time), and a security event either way. Callers
 * run the brute-force guards first, so a blocked attempt never gets here.
 */
export async function checkPassword(
  deps: Pick<Dependencies, 'users' | 'passwords' | 'events'>,
  credentials: { readonly email: string; readonly password: string },
  origin: EventOrigin,
): Promise<UserRecord | undefined> {
  const user = await deps.users.findByEmail(credentials.email);
  const valid = await deps.passwords.verify(credentials.password, user?.passwordHash);
  if (user === undefined || !valid) {
    deps.events.emit('login.failed', origin, { email: credentials.email });
    return undefined;
  }
  deps.events.emit('login.succeeded', { ...origin, principal: `user:${user.id}` }, { email: user.email });
  return user;
}
