import type { Scope, TokenGrant } from '@gatehouse/contracts';
import type { RequestContext } from '../context.js';
import { refreshCookie } from '../tokens/refresh-cookie.js';
import type { UserRecord } from '../stores/user-store.js';
import { FIRST_PARTY_CLIENT_ID } from '../tokens/access-tokens.js';
import type { IssuedRefreshToken } from '../tokens/refresh-tokens.js';
import type { SignInAuthentication } from '../tokens/sign-in-authentication.js';
import { toPublicUser } from './user-view.js';

export type RefreshTokenDelivery = 'body' | 'cookie';

/**
 * The token response of auth.login and auth.refresh: an access token bound
 * to the refresh family (`sid`), and the refresh token either in the body or
 * only in the HttpOnly cookie, where page scripts (and XSS) cannot read it.
 */
export async function issueSessionGrant(
  ctx: RequestContext,
  user: UserRecord,
  refresh: IssuedRefreshToken,
  scopes: readonly Scope[],
  delivery: RefreshTokenDelivery,
  /** The sign-in behind the session (acr, amr, auth_time): the login's own, or the family's on refresh. */
  authentication: SignInAuthentication | undefined,
  /** The DPoP key the request proved (auth/session-dpop-key.ts): the access token is bound to it, `tokenType: 'DPoP'`. */
  jkt?: string,
): Promise<TokenGrant> {
  const access = await ctx.deps.accessTokens.issue({
    subject: user.id,
    clientId: FIRST_PARTY_CLIENT_ID,
    scopes,
    grant: 'user',
    sessionId: refresh.familyId,
    notAfter: refresh.expiresAt,
    // Recorded for the theft signal; first-party sessions are not pinned (contracts may still pin a procedure).
    issuedTo: { ip: ctx.ip, pinned: false },
    authentication,
    confirmation: jkt === undefined ? undefined : { jkt },
  });
  const grant = {
    accessToken: access.token,
    tokenType: jkt === undefined ? ('Bearer' as const) : ('DPoP' as const),
    expiresIn: access.expiresIn,
    scope: access.scope,
    user: toPublicUser(user),
  };
  if (delivery === 'body') return { ...grant, refreshToken: refresh.token };
  ctx.responseHeaders.append('set-cookie', refreshCookie(ctx.deps.config, refresh.token, refresh.expiresInSeconds));
  return grant;
}
