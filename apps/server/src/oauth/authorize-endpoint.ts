import { randomBytes } from 'node:crypto';
import { loginInput } from '@gatehouse/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { grantableScopes, scopesOfRole } from '../auth/scopes.js';
import type { Dependencies } from '../dependencies.js';
import { normaliseIp } from '../http/client-ip.js';
import { renderConsentPage, renderErrorPage, renderSignInPage, STYLE_SOURCE } from './authorize-page.js';
import { readAuthenticationRequirement, sessionSatisfies } from './authorize-prompt.js';
import { isSameOriginFormPost } from './is-same-origin-form-post.js';
import { signInOnAuthorizeForm } from './authorize-sign-in.js';
import {
  AUTHORIZATION_PARAMETERS,
  AuthorizationRedirectError,
  echoableState,
  parseAuthorizationRequest,
  requireTrustedRedirect,
  UntrustedRedirectError,
  type AuthorizationRequest,
} from './authorize-request.js';
import { OAuthError } from './oauth-error.js';
import { hashOpaqueToken } from './hash-opaque-token.js';
import type { OAuthServices } from './oauth-services.js';
import { createSignInSessions, type SignInSession } from './sign-in-session.js';
import type { UserRecord } from '../stores/user-store.js';

/** Codes live one minute: long enough for a redirect and a token request, short enough to be useless when stolen late. */
export const AUTHORIZATION_CODE_TTL_SECONDS = 60;

const CSRF_FIELD = 'csrf_token';
/** On the consent form of a sign-in session: the id of the user it was shown for. */
const SIGNED_IN_AS_FIELD = 'signed_in_as';
/** An expiry and a base64url HMAC-SHA256: far below this. */
const MAX_CSRF_TOKEN_LENGTH = 128;

const signInCredentials = z.strictObject({ email: loginInput.shape.email, password: loginInput.shape.password });

/**
 * GET and POST /oauth/authorize: authorization code with PKCE (S256 only),
 * a server-rendered sign-in and consent form, a sign-in session so a
 * returning user approves without the password (`prompt` and `max_age`
 * honoured), and redirects that carry `state` and `iss` (RFC 9207).
 */
export function registerAuthorizeEndpoint(app: FastifyInstance, deps: Dependencies, oauth: OAuthServices): void {
  const sessions = createSignInSessions({
    config: deps.config,
    refreshTokens: deps.refreshTokens,
    users: deps.users,
    key: deps.signingKeys.deriveSecret('oauth-sign-in-session'),
  });
  const nowSeconds = () => Math.floor(Date.now() / 1000);

  app.get('/oauth/authorize', async (request, reply) =>
    handle(reply, async () => {
      const authorization = await parseAuthorizationRequest(oauth.clients, asParams(request.query));
      const requirement = readAuthenticationRequirement(authorization.parameters);
      const session = await sessions.read(request.headers);
      const usable = session !== undefined && sessionSatisfies(requirement, session.authTimeSeconds, nowSeconds()) ? session : undefined;
      if (requirement.silent) {
        // OIDC Core section 3.1.2.6. Consent is asked on every authorization (none is remembered), so a signed-in user
        // still needs the page: the client learns that without the user seeing anything.
        if (usable === undefined) throw new AuthorizationRedirectError('login_required', 'The user is not signed in to Gatehouse');
        throw new AuthorizationRedirectError('consent_required', 'The user must approve this request on the authorize page');
      }
      return usable === undefined ? showSignIn(reply, authorization, {}) : showConsent(reply, authorization, usable, undefined);
    }),
  );

  app.post('/oauth/authorize', async (request, reply) => {
    if (!isSameOriginFormPost(request.headers, deps.config)) {
      return sendPage(reply, 403, renderErrorPage('This form was sent from another site. Start again from the application.', 'Request refused'));
    }
    return handle(reply, async () => {
      const body = asParams(request.body);
      const authorization = await parseAuthorizationRequest(oauth.clients, body);
      const signedInAs = typeof body[SIGNED_IN_AS_FIELD] === 'string' ? body[SIGNED_IN_AS_FIELD] : undefined;
      const csrfToken = body[CSRF_FIELD];
      const fields = formFields(authorization, signedInAs);
      if (typeof csrfToken !== 'string' || csrfToken.length > MAX_CSRF_TOKEN_LENGTH || !oauth.formProtection.verify(csrfToken, fields)) {
        return sendPage(reply, 400, renderErrorPage('This form has expired or was not issued by Gatehouse. Start again from the application.'));
      }
      if (body['decision'] === 'deny') {
        throw new AuthorizationRedirectError('access_denied', 'The user denied the request');
      }
      if (body['decision'] === 'sign_out' && signedInAs !== undefined) {
        // "Sign out" on the consent page (a shared computer): the session ends server-side, then the sign-in form.
        const session = await sessions.read(request.headers);
        if (session !== undefined) await sessions.end(session);
        reply.header('set-cookie', sessions.clearedCookie());
        return showSignIn(reply, authorization, {});
      }
      if (body['decision'] !== 'approve') return sendPage(reply, 400, renderErrorPage('Choose Allow or Deny.'));

      let user: UserRecord;
      if (signedInAs !== undefined) {
        // The consent form of a sign-in session: the session must still hold, for the same user the page showed.
        const requirement = readAuthenticationRequirement(authorization.parameters);
        const session = await sessions.read(request.headers);
        if (session === undefined || !sessionSatisfies(requirement, session.authTimeSeconds, nowSeconds())) {
          return showSignIn(reply, authorization, { error: 'Your sign-in has ended. Sign in again to continue.' });
        }
        if (session.user.id !== signedInAs) {
          return showConsent(reply, authorization, session, 'You are now signed in with another account. Check the account and choose again.');
        }
        user = session.user;
      } else {
        // Validated exactly as auth.login validates them, before any limiter, log or record sees them:
        // a refused value is never echoed, stored or used as a key.
        const credentials = signInCredentials.safeParse({ email: body['email'], password: body['password'] });
        if (!credentials.success) {
          return showSignIn(reply, authorization, { error: 'Enter a valid email address and a password.' }, 400);
        }
        const { email, password } = credentials.data;
        const signIn = await signInOnAuthorizeForm(deps, { email, password }, origin(request));
        if (signIn.outcome === 'blocked') {
          const retryAfterSeconds = Math.max(1, Math.ceil(signIn.retryAfterMs / 1000));
          reply.header('retry-after', String(retryAfterSeconds));
          const minutes = Math.ceil(retryAfterSeconds / 60);
          return showSignIn(reply, authorization, { email, error: `Too many sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.` }, 429);
        }
        if (signIn.outcome === 'invalid_credentials') return showSignIn(reply, authorization, { email, error: 'Invalid email or password' });
        user = signIn.user;
        // The password was typed: a new sign-in session replaces (and ends) any earlier one in this browser.
        const earlier = await sessions.read(request.headers);
        if (earlier !== undefined) await sessions.end(earlier);
        reply.header('set-cookie', await sessions.start(user));
      }

      const scopes = grantableScopes({
        requested: authorization.requestedScopes,
        clientAllows: authorization.client.scopes,
        subjectHolds: scopesOfRole(user.role),
      });
      if (scopes.length === 0) throw new AuthorizationRedirectError('invalid_scope', 'None of the requested scopes can be granted');

      const code = randomBytes(32).toString('base64url');
      await oauth.codes.save(
        hashOpaqueToken(code),
        {
          clientId: authorization.client.clientId,
          redirectUri: authorization.redirectUri,
          redirectUriOmitted: authorization.redirectUriOmitted,
          codeChallenge: authorization.codeChallenge,
          userId: user.id,
          scopes,
        },
        AUTHORIZATION_CODE_TTL_SECONDS,
      );
      return redirectBack(reply, authorization.redirectUri, { code, ...(authorization.state === undefined ? {} : { state: authorization.state }) });
    });
  });

  function showSignIn(reply: FastifyReply, authorization: AuthorizationRequest, extra: { email?: string; error?: string }, status = 200) {
    const fields = formFields(authorization, undefined);
    const page = renderSignInPage({
      clientId: authorization.client.clientId,
      scopes: authorization.requestedScopes ?? authorization.client.scopes,
      hiddenFields: { ...fields, [CSRF_FIELD]: oauth.formProtection.issue(fields) },
      ...extra,
    });
    return sendPage(reply, status, page, authorization.redirectUri);
  }

  function showConsent(reply: FastifyReply, authorization: AuthorizationRequest, session: SignInSession, error: string | undefined) {
    const fields = formFields(authorization, session.user.id);
    const switchAccount = new URLSearchParams({ ...formFields(authorization, undefined), prompt: 'login' });
    const page = renderConsentPage({
      clientId: authorization.client.clientId,
      scopes: authorization.requestedScopes ?? authorization.client.scopes,
      hiddenFields: { ...fields, [CSRF_FIELD]: oauth.formProtection.issue(fields) },
      user: { email: session.user.email, name: session.user.name },
      switchAccountUrl: `/oauth/authorize?${switchAccount.toString()}`,
      ...(error === undefined ? {} : { error }),
    });
    return sendPage(reply, 200, page, authorization.redirectUri);
  }

  async function handle(reply: FastifyReply, run: () => unknown): Promise<unknown> {
    try {
      await oauth.budgets.chargeAuthorize(reply.request, reply);
      return await run();
    } catch (error) {
      if (error instanceof OAuthError) {
        // A person reads this answer: a page, never a redirect to a client that did not ask for it.
        if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
        return sendPage(reply, error.status, renderErrorPage('Too many sign-in requests from this address. Try again later.'));
      }
      if (error instanceof UntrustedRedirectError) return sendPage(reply, 400, renderErrorPage(error.message));
      if (error instanceof AuthorizationRedirectError) {
        const params = asParams(reply.request.method === 'POST' ? reply.request.body : reply.request.query);
        // Trusted: parseAuthorizationRequest established it before any redirectable error.
        const { redirectUri } = await requireTrustedRedirect(oauth.clients, params);
        const state = echoableState(params);
        return redirectBack(reply, redirectUri, {
          error: error.error,
          error_description: error.description,
          ...(state === undefined ? {} : { state }),
        });
      }
      throw error;
    }
  }

  function redirectBack(reply: FastifyReply, redirectUri: string, params: Record<string, string>) {
    const target = new URL(redirectUri);
    for (const [name, value] of Object.entries(params)) target.searchParams.set(name, value);
    target.searchParams.set('iss', deps.config.issuer); // RFC 9207: defeats mix-up attacks
    reply.header('cache-control', 'no-store');
    // 303: the browser follows a POST's redirect with a GET, never re-posting the password.
    return reply.redirect(target.toString(), reply.request.method === 'POST' ? 303 : 302);
  }

  function origin(request: FastifyRequest) {
    return { ip: normaliseIp(request.ip), requestId: request.id, principal: undefined };
  }
}

/**
 * The fields the form carries back, all covered by its CSRF token. A consent
 * form also names the user it was shown for, so a POST made after the browser
 * signed in as someone else is not approved for the wrong account.
 */
function formFields(authorization: AuthorizationRequest, signedInAs: string | undefined): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const name of AUTHORIZATION_PARAMETERS) {
    const value = authorization.parameters[name];
    if (value !== undefined) fields[name] = value;
  }
  if (signedInAs !== undefined) fields[SIGNED_IN_AS_FIELD] = signedInAs;
  return fields;
}

function sendPage(reply: FastifyReply, status: number, html: string, redirectUri?: string) {
  const formAction = redirectUri === undefined ? "'self'" : `'self' ${new URL(redirectUri).origin}`;
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY')
    // same-origin, not no-referrer: under no-referrer a browser sends `Origin: null` with the form's own POST
    // (Fetch, "serializing a request origin"); cross-origin requests still carry no Referer.
    .header('referrer-policy', 'same-origin')
    // form-action must allow the client's origin: browsers apply it to the redirect that follows the POST.
    .header('content-security-policy', `default-src 'none'; style-src ${STYLE_SOURCE}; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`)
    .send(html);
}

function asParams(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}
