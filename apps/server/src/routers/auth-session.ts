import type { contracts } from '@gatehouse/contracts';
import { TRPCError } from '@trpc/server';
import { AuthFailureError, failAuth } from '../errors/auth-failure-error.js';
import { principalKey } from '../auth/principal.js';
import { refuseForbiddenRole } from '../auth/authorize.js';
import { requireCookieCsrf } from '../auth/require-cookie-csrf.js';
import { scopesOfRole } from '../auth/scopes.js';
import { eventOrigin } from '../audit/security-events.js';
import { rethrowUnavailable } from '../errors/store-unavailable-error.js';
import { clearedRefreshCookie, readRefreshCookie } from '../tokens/refresh-cookie.js';
import { FIRST_PARTY_CLIENT_ID } from '../tokens/access-tokens.js';
import type { HandlersFor } from './build-router.js';
import { issueSessionGrant } from './session-grant.js';
import { isActiveUser } from '../stores/user-store.js';
import { provenSessionKey } from '../auth/session-dpop-key.js';

type AuthHandlers = HandlersFor<typeof contracts.auth>;

/** auth.refresh: rotates the refresh token from the body, or from the cookie behind the CSRF checks. */
export const refresh: AuthHandlers['refresh'] = async ({ input, ctx }) => {
  const fromBody = input?.refreshToken;
  let token = fromBody;
  if (token === undefined) {
    token = readRefreshCookie(ctx.deps.config, ctx.headers);
    if (token === undefined) failAuth('missing_credentials');
    requireCookieCsrf(ctx);
  }
  const jkt = await provenSessionKey(ctx);
  // A session bound to a DPoP key (RFC 9449 section 5) refreshes only with that key's proof, and a refusal leaves
  // the token unspent: a thief's attempt must not turn the owner's next refresh into "reuse".
  const bound = (await ctx.deps.refreshTokens.inspect(token).catch(rethrowUnavailable))?.family.jkt;
  if (bound !== undefined && bound !== jkt) failAuth('invalid_token', undefined, { detail: jkt === undefined ? 'invalid_dpop_proof' : 'dpop_key_mismatch' });
  const outcome = await ctx.deps.refreshTokens
    .rotate(token, { clientId: FIRST_PARTY_CLIENT_ID, origin: eventOrigin(ctx) })
    .catch(rethrowUnavailable);
  if (!outcome.ok) {
    // A cookie that no longer works is deleted, so the browser stops sending it.
    if (fromBody === undefined) ctx.responseHeaders.append('set-cookie', clearedRefreshCookie(ctx.deps.config));
    failAuth(outcome.reason);
  }
  const user = await ctx.deps.users.findById(outcome.family.userId);
  if (!isActiveUser(user)) {
    await ctx.deps.refreshTokens.revokeFamily(outcome.family.familyId).catch(rethrowUnavailable);
    failAuth('revoked_token');
  }
  // Never more than the role holds now, whatever the family was granted at login.
  const held = scopesOfRole(user.role);
  const scopes = outcome.family.scopes.filter((scope) => held.includes(scope));
  // The family's sign-in, never a new one: refreshing does not make a sign-in more recent or stronger (step-up).
  return issueSessionGrant(ctx, user, outcome.refreshToken, scopes, fromBody === undefined ? 'cookie' : 'body', outcome.family.authentication, jkt);
};

/**
 * auth.logout: the session stops working now. The session is proven by a
 * valid access token (its `sid` names the family), or by possession of the
 * refresh token (body, or cookie plus CSRF header) when the access token has
 * expired: a logout that fails because the access token is stale would leave
 * a refresh token on a shared computer that still signs the next person in.
 * The refresh cookie is cleared on every answer (http/trpc-route.ts).
 */
export const logout: AuthHandlers['logout'] = async ({ input, ctx }) => {
  const fromBody = input?.refreshToken;
  // An expired, revoked or invalid access token is set aside, not fatal: the refresh token may still prove the session.
  const authenticated = await ctx.authenticate().then(
    (principal) => ({ principal, failure: undefined }),
    (error: unknown) => {
      if (error instanceof TRPCError && error.cause instanceof AuthFailureError) return { principal: undefined, failure: error };
      throw error;
    },
  );
  const { principal } = authenticated;
  // The cookie is read only when nothing else proves the session: it reaches every /trpc call, and a bearer
  // logout from a cookie-mode browser must not need the CSRF header.
  const presented = fromBody ?? (principal === undefined ? refreshCookieProof(ctx) : undefined);
  if (principal === undefined && presented === undefined) throw authenticated.failure ?? failAuth('missing_credentials');
  // An API key or certificate is no session: it is revoked through apiKeys.revoke or configuration.
  if (principal !== undefined && (principal.kind !== 'user' || principal.credential.type !== 'access_token')) {
    await refuseForbiddenRole(ctx, principal, 'auth.logout');
  }

  const state = presented === undefined ? undefined : await ctx.deps.refreshTokens.inspect(presented).catch(rethrowUnavailable);
  // auth.refresh rotates first-party families only; an OAuth client's refresh token is revoked at /oauth/revoke.
  const provenFamily = state?.family.clientId === FIRST_PARTY_CLIENT_ID ? state.family : undefined;
  if (principal === undefined && provenFamily === undefined) throw authenticated.failure ?? failAuth('invalid_token');

  const accessToken = principal?.credential.type === 'access_token' ? principal.credential : undefined;
  await Promise.all([
    accessToken === undefined
      ? undefined
      : ctx.deps.revocation.endSession({ jti: accessToken.jti, expiresAt: accessToken.expiresAt, sessionId: accessToken.sessionId }),
    provenFamily === undefined || provenFamily.familyId === accessToken?.sessionId
      ? undefined
      : ctx.deps.refreshTokens.revokeFamily(provenFamily.familyId),
  ]).catch(rethrowUnavailable);
  const actor = principal === undefined ? `user:${provenFamily?.userId ?? 'unknown'}` : principalKey(principal);
  ctx.deps.events.emit('token.revoked', eventOrigin(ctx, actor), {
    reason: 'logout',
    jti: accessToken?.jti ?? null,
    familyId: accessToken?.sessionId ?? provenFamily?.familyId ?? null,
  });
  return { ok: true as const };
};

/** The refresh cookie as a logout's proof, behind the same CSRF checks as a cookie refresh. */
function refreshCookieProof(ctx: Parameters<AuthHandlers['logout']>[0]['ctx']): string | undefined {
  const fromCookie = readRefreshCookie(ctx.deps.config, ctx.headers);
  if (fromCookie !== undefined) requireCookieCsrf(ctx);
  return fromCookie;
}
