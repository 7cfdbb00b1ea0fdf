import { secondFactorCodeSchema } from '@gatehouse/contracts';
import type { EventOrigin } from '../audit/security-events.js';
import type { Dependencies } from '../dependencies.js';
import { rateLimitErrorData } from '../ratelimit/rate-limit-snapshot.js';
import type { UserRecord } from '../stores/user-store.js';
import { secondFactorSignIn, type SignInAuthentication } from '../tokens/sign-in-authentication.js';

export type AuthorizeSecondFactor =
  | { readonly outcome: 'verified'; readonly authentication: SignInAuthentication }
  /** No code in the POST (the password form, or a consent form whose session now needs one): ask for it. */
  | { readonly outcome: 'missing' }
  /** Not a code by auth.loginSecondFactor's own schema: refused before the budget or the factor sees it. */
  | { readonly outcome: 'malformed' }
  | { readonly outcome: 'invalid_code' }
  | { readonly outcome: 'blocked'; readonly retryAfterMs: number };

/**
 * The authorize form's second step, under exactly auth.loginSecondFactor's
 * defences: the same code schema, the same per-user budget
 * (GATEHOUSE_SECOND_FACTOR_LIMIT, reserved before the compare), the same
 * single use of each time step and recovery code, the same audit records.
 * Otherwise the form would be a side door around that budget.
 */
export async function secondFactorOnAuthorizeForm(
  deps: Pick<Dependencies, 'secondFactors' | 'now'>,
  user: UserRecord,
  code: unknown,
  origin: EventOrigin,
): Promise<AuthorizeSecondFactor> {
  if (code === undefined) return { outcome: 'missing' };
  const parsed = secondFactorCodeSchema.safeParse(code);
  if (!parsed.success) return { outcome: 'malformed' };
  const check = await deps.secondFactors.verify(user, parsed.data, origin);
  if (check.ok) return { outcome: 'verified', authentication: secondFactorSignIn(deps.now()) };
  if (check.reason === 'blocked') return { outcome: 'blocked', retryAfterMs: rateLimitErrorData(check.snapshot).retryAfterMs };
  return { outcome: 'invalid_code' };
}
