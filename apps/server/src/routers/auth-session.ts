import type { contracts } from '@gatehouse/contracts';
import { failAuth } from '../auth/auth-failure.js';
import { principalKey } from '../auth/principal.js';
import { requireCookieCsrf } from '../auth/require-cookie-csrf.js';
import { scopesOfRole } from '../auth/scopes.js';
import { eventOrigin } from '../context.js';
import { rethrowUnavailable } from '../errors/service-unavailable.js';
import { clearedRefreshCookie, readRefreshCookie } from '../http/refresh-cookie.js';
import { FIRST_PARTY_CLIENT_ID } from '../tokens/access-tokens.js';
import type { HandlersFor } from './build-router.js';
import { issueSessionGrant } from './session-grant.js';

type AuthHandlers = HandlersFor<typeof contracts.auth>;

/** auth.refresh: rotates the refresh token from the body, or from the cookie behind the CSRF checks. */
export const refresh: AuthHandlers['refresh'] = async ({ input, ctx }) => {
  const fromBody = input?.refreshToken;
  let token = fromBody;
  if (token === undefined) {
    token = readRefreshCookie(ctx.headers);
    if (token === undefined) failAuth('missing_credentials');
    requireCookieCsrf(ctx);
  }
  const outcome = await ctx.deps.refreshTokens
    .rotate(token, { clientId: FIRST_PARTY_CLIENT_ID, origin: eventOrigin(ctx) })
    .catch(rethrowUnavailable);
  if (!outcome.ok) {
    // A cookie that no longer works is deleted, so the browser stops sending it.
    if (fromBody === undefined) ctx.responseHeaders.append('set-cookie', clearedRefreshCookie(ctx.deps.config));
    failAuth(outcome.reason);
  }
  const user = await ctx.deps.users.findById(outcome.family.userId);
  if (user === undefined) {
    await ctx.deps.refreshTokens.revokeFamily(outcome.family.familyId).catch(rethrowUnavailable);
    failAuth('revoked_token');
  }
  // Never more than the role holds now, whatever the family was granted at login.
  const held = scopesOfRole(user.role);
  const scopes = outcome.family.scopes.filter((scope) => held.includes(scope));
  return issueSessionGrant(ctx, user, outcome.refreshToken, scopes, fromBody === undefined ? 'cookie' : 'body');
};

/** auth.logout: the presented access token and its whole refresh family stop working now. */
export const logout: AuthHandlers['logout'] = async ({ ctx }) => {
  const { principal } = ctx;
  const { credential } = principal;
  // An API key or certificate is no session: it is revoked through apiKeys.revoke or configuration.
  if (credential.type !== 'access_token') failAuth('forbidden_role');
  await ctx.deps.revocation.endSession({ jti: credential.jti, expiresAt: credential.expiresAt, sessionId: credential.sessionId }).catch(rethrowUnavailable);
  ctx.deps.events.emit('token.revoked', eventOrigin(ctx, principalKey(principal)), {
    reason: 'logout',
    jti: credential.jti,
    familyId: credential.sessionId ?? null,
  });
  ctx.responseHeaders.append('set-cookie', clearedRefreshCookie(ctx.deps.config));
  return { ok: true as const };
};
