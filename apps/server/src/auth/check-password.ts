import { normalizePassword, passwordByteLength, PASSWORD_MAX_BYTES } from '@gatehouse/contracts';
import type { EventOrigin, SecurityEvents } from '../audit/security-events.js';
import type { PasswordHasher } from './password-hasher.js';
import { isActiveUser, type UserRecord, type UserStore } from '../stores/user-store.js';

/**
 * Checks an email and password the one way Gatehouse does, for auth.login and
 * the OAuth authorize form alike: a full bcrypt compare even for unknown
 * emails (same answer, same time), and a security event either way. Callers
 * run the brute-force guards first, so a blocked attempt never gets here.
 */
export async function checkPassword(
  deps: {
    readonly users: Pick<UserStore, 'findByEmail'>;
    readonly passwords: Pick<PasswordHasher, 'verify'>;
    readonly events: Pick<SecurityEvents, 'emit'>;
  },
  credentials: { readonly email: string; readonly password: string },
  origin: EventOrigin,
): Promise<UserRecord | undefined> {
  const user = await deps.users.findByEmail(credentials.email);
  // Idempotent for auth.login, whose schema normalised already; the authorize form's password arrives as typed.
  const password = normalizePassword(credentials.password);
  // Never cut to bcrypt's 72 bytes: a longer password was never accepted at registration, so it matches nothing.
  // The compare still runs (against the dummy hash), so this answer takes as long as any other failure.
  const withinLimit = passwordByteLength(password) <= PASSWORD_MAX_BYTES;
  const valid = await deps.passwords.verify(withinLimit ? password : '', withinLimit ? user?.passwordHash : undefined);
  if (user === undefined || !valid) {
    deps.events.emit('login.failed', origin, { email: credentials.email });
    return undefined;
  }
  // The same answer as a wrong password: a disabled account is not confirmed to whoever holds its password.
  if (!isActiveUser(user)) {
    deps.events.emit('login.failed', origin, { email: credentials.email, reason: 'account_disabled' });
    return undefined;
  }
  deps.events.emit('login.succeeded', { ...origin, principal: `user:${user.id}` }, { email: user.email });
  return user;
}
