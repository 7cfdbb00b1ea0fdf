import type { contracts, TokenGrant } from '@gatehouse/contracts';
import { failAuth } from '../errors/auth-failure-error.js';
import { provenSessionKey } from '../auth/session-dpop-key.js';
import { scopesOfRole } from '../auth/scopes.js';
import { eventOrigin } from '../audit/security-events.js';
import type { RequestContext } from '../context.js';
import { rethrowUnavailable } from '../errors/store-unavailable-error.js';
import { refuseRateLimited } from '../ratelimit/refuse-rate-limited.js';
import { hasConfirmedSecondFactor, isActiveUser, type UserRecord } from '../stores/user-store.js';
import { FIRST_PARTY_CLIENT_ID } from '../tokens/access-tokens.js';
import { secondFactorSignIn, type SignInAuthentication } from '../tokens/sign-in-authentication.js';
import type { HandlersFor } from './build-router.js';
import { issueSessionGrant, type RefreshTokenDelivery } from './session-grant.js';

/** A new first-party session (refresh family and access token) for a sign-in that is complete. */
export async function startSession(
  ctx: RequestContext,
  user: UserRecord,
  delivery: RefreshTokenDelivery,
  authentication: SignInAuthentication,
  /** The DPoP key the request proved, if any: the session's tokens are bound to it. */
  jkt?: string,
): Promise<TokenGrant> {
  const scopes = scopesOfRole(user.role);
  const family = await ctx.deps.refreshTokens
    .startFamily({ userId: user.id, clientId: FIRST_PARTY_CLIENT_ID, scopes, authentication, jkt })
    .catch(rethrowUnavailable);
  return issueSessionGrant(ctx, user, family, scopes, delivery, authentication, jkt);
}

/**
 * auth.loginSecondFactor: the challenge auth.login gave after the password,
 * and a TOTP or recovery code. A wrong code is a 401 `invalid_credentials`
 * like a wrong password; past the user's second-factor budget a 429 before
 * any code is compared. Tokens then carry acr `mfa`, amr `pwd otp`.
 */
export const loginSecondFactor: HandlersFor<typeof contracts.auth>['loginSecondFactor'] = async ({ input, ctx }) => {
  // As at auth.login: the proof of this request (its own htu) binds the session, checked before any code.
  const jkt = await provenSessionKey(ctx);
  const claims = (await ctx.deps.secondFactorChallenges.verify(input.challenge)) ?? failAuth('invalid_token');
  const user = await ctx.deps.users.findById(claims.userId);
  // A factor removed or an account disabled since the password step: the challenge stands for nothing now.
  if (!isActiveUser(user) || !hasConfirmedSecondFactor(user)) failAuth('invalid_credentials');
  const outcome = await ctx.deps.secondFactors.verify(user, input.code, eventOrigin(ctx));
  if (!outcome.ok) {
    if (outcome.reason === 'blocked') refuseRateLimited(ctx, outcome.snapshot);
    failAuth('invalid_credentials');
  }
  return startSession(ctx, user, claims.delivery, secondFactorSignIn(ctx.deps.now()), jkt);
};
