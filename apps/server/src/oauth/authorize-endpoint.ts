import { randomBytes } from 'node:crypto';
import { loginInput } from '@gatehouse/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { grantableScopes, scopesOfRole } from '../auth/scopes.js';
import type { Dependencies } from '../dependencies.js';
import { normaliseIp } from '../client-ip.js';
import { acrSatisfies, passwordSignIn, type SignInAuthentication } from '../tokens/sign-in-authentication.js';
import { renderErrorPage } from './authorize-page.js';
import {
  createAuthorizeForms,
  CSRF_FIELD,
  formFields,
  MAX_CSRF_TOKEN_LENGTH,
  PASSWORD_CHECKED_AT_FIELD,
  sendPage,
  SIGNED_IN_AS_FIELD,
} from './authorize-forms.js';
import { readAuthenticationRequirement, requiredAcr, sessionSatisfies } from './authorize-prompt.js';
import { isSameOriginFormPost } from './is-same-origin-form-post.js';
import { signInOnAuthorizeForm } from './authorize-sign-in.js';
import { secondFactorOnAuthorizeForm } from './authorize-second-factor.js';
import {
  AuthorizationRedirectError,
  echoableState,
  parseAuthorizationRequest,
  requireTrustedRedirect,
  UntrustedRedirectError,
} from './authorize-request.js';
import { OAuthError } from './oauth-error.js';
import { hashOpaqueToken } from './hash-opaque-token.js';
import type { OAuthServices } from './oauth-services.js';
import { createSignInSessions, type SignInSession } from './sign-in-session.js';
import { hasConfirmedSecondFactor, isActiveUser, type UserRecord } from '../stores/user-store.js';
import { SECOND_FACTOR_CHALLENGE_TTL_SECONDS } from '../auth/second-factor-challenge.js';

/** Codes live one minute: long enough for a redirect and a token request, short enough to be useless when stolen late. */
export const AUTHORIZATION_CODE_TTL_SECONDS = 60;

const signInCredentials = z.strictObject({ email: loginInput.shape.email, password: loginInput.shape.password });

/**
 * GET and POST /oauth/authorize: authorization code with PKCE (S256 only),
 * a server-rendered sign-in and consent form, a second step asking for a TOTP
 * or recovery code (users with a second factor, and `acr_values=mfa`), a
 * sign-in session so a returning user approves without the password
 * (`prompt`, `max_age` and `acr_values` honoured), and redirects that carry
 * `state` and `iss` (RFC 9207).
 */
export function registerAuthorizeEndpoint(app: FastifyInstance, deps: Dependencies, oauth: OAuthServices): void {
  const sessions = createSignInSessions({
    config: deps.config,
    refreshTokens: deps.refreshTokens,
    users: deps.users,
    key: deps.signingKeys.deriveSecret('oauth-sign-in-session'),
    now: deps.now,
  });
  const { showSignIn, showConsent, showSecondFactor } = createAuthorizeForms(oauth.formProtection);
  // The server's clock (injectable), the same one that stamps auth_time: max_age and the code form's window agree with it.
  const nowSeconds = () => Math.floor(deps.now() / 1000);

  app.get('/oauth/authorize', async (request, reply) =>
    handle(reply, async () => {
      const authorization = await parseAuthorizationRequest(oauth.clients, asParams(request.query));
      const requirement = readAuthenticationRequirement(authorization.parameters);
      const session = await sessions.read(request.headers);
      const usable = session !== undefined && sessionSatisfies(requirement, session.authentication.authTime, nowSeconds()) ? session : undefined;
      // A session too weak for this request (acr pwd where mfa is needed) is stepped up, not replaced: the code only.
      const stepUp = usable !== undefined && !acrSatisfies(usable.authentication.acr, requiredAcr(requirement, usable.user));
      if (requirement.silent) {
        // OIDC Core section 3.1.2.6. Consent is asked on every authorization (none is remembered), so a signed-in user
        // still needs the page: the client learns that without the user seeing anything.
        if (usable === undefined || stepUp) throw new AuthorizationRedirectError('login_required', 'The user is not signed in to Gatehouse as the request requires');
        throw new AuthorizationRedirectError('consent_required', 'The user must approve this request on the authorize page');
      }
      if (usable === undefined) return showSignIn(reply, authorization, {});
      if (!stepUp) return showConsent(reply, authorization, usable, undefined);
      refuseWithoutSecondFactor(usable.user);
      return showSecondFactor(reply, authorization, usable.user, undefined, undefined);
    }),
  );

  app.post('/oauth/authorize', async (request, reply) => {
    if (!isSameOriginFormPost(request.headers, deps.config)) {
      return sendPage(reply, 403, renderErrorPage('This form was sent from another site. Start again from the application.', 'Request refused'));
    }
    return handle(reply, async () => {
      const body = asParams(request.body);
      const authorization = await parseAuthorizationRequest(oauth.clients, body);
      const signedInAs = textField(body, SIGNED_IN_AS_FIELD);
      const passwordCheckedAt = textField(body, PASSWORD_CHECKED_AT_FIELD);
      const csrfToken = body[CSRF_FIELD];
      const fields = formFields(authorization, signedInAs, passwordCheckedAt);
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

      const requirement = readAuthenticationRequirement(authorization.parameters);
      let user: UserRecord;
      // The sign-in behind the code so far: a session's own (max_age was checked against it), or a password now.
      let authentication: SignInAuthentication;
      // The sign-in session a second factor given now replaces (a new one, as a password does).
      let earlier: SignInSession | undefined;
      if (passwordCheckedAt !== undefined && signedInAs !== undefined) {
        // The code form after a password: the HMAC vouches for the pair; the password stands for five minutes.
        const checkedAt = Number(passwordCheckedAt);
        if (!Number.isSafeInteger(checkedAt) || nowSeconds() - checkedAt > SECOND_FACTOR_CHALLENGE_TTL_SECONDS) {
          return showSignIn(reply, authorization, { error: 'The time to enter your code ran out. Sign in again to continue.' });
        }
        const found = await deps.users.findById(signedInAs);
        if (!isActiveUser(found)) return showSignIn(reply, authorization, { error: 'Your sign-in has ended. Sign in again to continue.' });
        user = found;
        authentication = passwordSignIn(checkedAt * 1000);
        earlier = await sessions.read(request.headers);
      } else if (signedInAs !== undefined) {
        // The consent or code form of a sign-in session: the session must still hold, for the same user the page showed.
        const session = await sessions.read(request.headers);
        if (session === undefined || !sessionSatisfies(requirement, session.authentication.authTime, nowSeconds())) {
          return showSignIn(reply, authorization, { error: 'Your sign-in has ended. Sign in again to continue.' });
        }
        if (session.user.id !== signedInAs) {
          return showConsent(reply, authorization, session, 'You are now signed in with another account. Check the account and choose again.');
        }
        user = session.user;
        authentication = session.authentication;
        earlier = session;
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
          return showSignIn(reply, authorization, { email, error: `Too many sign-in attempts. ${tryAgainIn(reply, signIn.retryAfterMs)}` }, 429);
        }
        if (signIn.outcome === 'invalid_credentials') return showSignIn(reply, authorization, { email, error: 'Invalid email or password' });
        user = signIn.user;
        authentication = passwordSignIn(deps.now());
        if (acrSatisfies(authentication.acr, requiredAcr(requirement, user))) {
          // The password was typed: a new sign-in session replaces (and ends) any earlier one in this browser.
          const replaced = await sessions.read(request.headers);
          if (replaced !== undefined) await sessions.end(replaced);
          reply.header('set-cookie', await sessions.start(user, authentication));
        } else {
          // A second factor is due: no session on the password alone (it would sign an enrolled user in), the code form.
          refuseWithoutSecondFactor(user);
          return showSecondFactor(reply, authorization, user, authentication.authTime, undefined);
        }
      }

      if (!acrSatisfies(authentication.acr, requiredAcr(requirement, user))) {
        refuseWithoutSecondFactor(user);
        const passwordAt = passwordCheckedAt === undefined ? undefined : authentication.authTime;
        const step = await secondFactorOnAuthorizeForm(deps, user, body['code'], origin(request));
        switch (step.outcome) {
          case 'missing':
            return showSecondFactor(reply, authorization, user, passwordAt, undefined);
          case 'malformed':
            return showSecondFactor(reply, authorization, user, passwordAt, 'Enter the 6-digit code from your authenticator app or a recovery code.', 400);
          case 'invalid_code':
            return showSecondFactor(reply, authorization, user, passwordAt, 'That code is not right. Check your authenticator app and try again.');
          case 'blocked':
            return showSecondFactor(reply, authorization, user, passwordAt, `Too many wrong codes. ${tryAgainIn(reply, step.retryAfterMs)}`, 429);
          case 'verified':
            authentication = step.authentication;
        }
        // A stronger sign-in is a new session (its own cookie and family), never the old one relabelled.
        if (earlier !== undefined) await sessions.end(earlier);
        reply.header('set-cookie', await sessions.start(user, authentication));
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
          authentication,
        },
        AUTHORIZATION_CODE_TTL_SECONDS,
      );
      return redirectBack(reply, authorization.redirectUri, { code, ...(authorization.state === undefined ? {} : { state: authorization.state }) });
    });
  });

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
 * Where the request needs a second factor the user does not have: the client
 * hears `access_denied` (README "Second factor and step-up" says why not
 * `interaction_required`): nothing on this page can satisfy it.
 */
function refuseWithoutSecondFactor(user: UserRecord): void {
  if (!hasConfirmedSecondFactor(user)) {
    throw new AuthorizationRedirectError('access_denied', 'This request requires a second factor (acr_values=mfa) and the account has none enrolled');
  }
}

/** Sets `Retry-After` and says the same in words, in whole minutes. */
function tryAgainIn(reply: FastifyReply, retryAfterMs: number): string {
  const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  reply.header('retry-after', String(retryAfterSeconds));
  const minutes = Math.ceil(retryAfterSeconds / 60);
  return `Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
}

/** A form field sent once as text, or undefined. */
function textField(body: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = body[name];
  return typeof value === 'string' ? value : undefined;
}

function asParams(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}
