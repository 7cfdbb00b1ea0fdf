import type { EventOrigin } from '../audit/security-events.js';
import { checkPassword } from '../auth/check-password.js';
import type { Dependencies } from '../dependencies.js';
import { rateLimitErrorData } from '../ratelimit/rate-limit-snapshot.js';
import type { UserRecord } from '../stores/user-store.js';

export type AuthorizeSignIn =
  | { readonly outcome: 'signed_in'; readonly user: UserRecord }
  | { readonly outcome: 'invalid_credentials' }
  | { readonly outcome: 'blocked'; readonly retryAfterMs: number };

/**
 * The authorize form's sign-in, under exactly the defences of auth.login: the
 * credential-stuffing policy, then the layered brute-force guard (which
 * reserves a failure before bcrypt runs), then the shared password check.
 * Otherwise the form would be a side door around auth.login's limits.
 */
export async function signInOnAuthorizeForm(
  deps: Pick<Dependencies, 'abuse' | 'rateLimits' | 'users' | 'passwords' | 'events'>,
  credentials: { readonly email: string; readonly password: string },
  origin: EventOrigin,
): Promise<AuthorizeSignIn> {
  const stuffing = await deps.abuse.stuffing.admitLogin(origin.ip);
  if (stuffing !== undefined) {
    deps.events.emit('login.blocked', origin, { email: credentials.email, reason: 'credential_stuffing', policy: stuffing.policy });
    return { outcome: 'blocked', retryAfterMs: rateLimitErrorData(stuffing).retryAfterMs };
  }
  const admission = await deps.rateLimits.login.admit(credentials.email, origin.ip);
  if (!admission.admitted) {
    deps.events.emit('login.blocked', origin, { email: credentials.email, policy: admission.snapshot.policy });
    return { outcome: 'blocked', retryAfterMs: rateLimitErrorData(admission.snapshot).retryAfterMs };
  }
  const user = await checkPassword(deps, credentials, origin);
  if (user === undefined) return { outcome: 'invalid_credentials' };
  await admission.succeeded();
  return { outcome: 'signed_in', user };
}
