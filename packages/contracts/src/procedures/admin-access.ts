import type { ProtectedAccess } from '../auth-requirement.js';
import { RECENT_SIGN_IN_SECONDS } from './recent-sign-in.js';

/** What every admin procedure requires: a principal whose record has the admin role, holding the admin scope. */
export type AdminAccess = ProtectedAccess<readonly ['admin']> & { readonly role: 'admin' };

/**
 * The one declaration every admin procedure's `auth` comes from
 * (`defineAdminContracts(ADMIN_ACCESS)`). Requiring a second factor for all of
 * them is one line here: `stepUp: { acr: 'mfa' }` (see admin-access.test.ts).
 */
export const ADMIN_ACCESS = { scopes: ['admin'], role: 'admin' } as const satisfies AdminAccess;

/** `access` plus a sign-in within RECENT_SIGN_IN_SECONDS, keeping whatever step-up `access` already asks. */
export function withRecentSignIn<const TAccess extends AdminAccess>(access: TAccess) {
  return { ...access, stepUp: { ...access.stepUp, maxAgeSeconds: RECENT_SIGN_IN_SECONDS } } as const;
}
