import type { FastifyReply } from 'fastify';
import type { UserRecord } from '../stores/user-store.js';
import { renderConsentPage, renderSecondFactorPage, renderSignInPage, STYLE_SOURCE } from './authorize-page.js';
import { AUTHORIZATION_PARAMETERS, type AuthorizationRequest } from './authorize-request.js';
import type { FormProtection } from './form-protection.js';
import type { SignInSession } from './sign-in-session.js';

export const CSRF_FIELD = 'csrf_token';
/** On the consent form of a sign-in session: the id of the user it was shown for. */
export const SIGNED_IN_AS_FIELD = 'signed_in_as';
/**
 * On the code form that follows a password: when the server checked that
 * user's password (epoch seconds). The form's HMAC covers it, so only a page
 * the server rendered after a right password carries it; it stands for that
 * password for SECOND_FACTOR_CHALLENGE_TTL_SECONDS, like auth.login's challenge.
 */
export const PASSWORD_CHECKED_AT_FIELD = 'password_checked_at';
/** An expiry and a base64url HMAC-SHA256: far below this. */
export const MAX_CSRF_TOKEN_LENGTH = 128;

/**
 * The three forms of the authorize page (sign in, consent, the code step), each
 * carrying back the authorization request's parameters and a CSRF token over
 * them (form-protection.ts), and the headers every page of it is sent with.
 */
export interface AuthorizeForms {
  showSignIn(reply: FastifyReply, authorization: AuthorizationRequest, extra: { email?: string; error?: string }, status?: number): FastifyReply;
  showConsent(reply: FastifyReply, authorization: AuthorizationRequest, session: SignInSession, error: string | undefined): FastifyReply;
  showSecondFactor(
    reply: FastifyReply,
    authorization: AuthorizationRequest,
    user: UserRecord,
    passwordCheckedAtSeconds: number | undefined,
    error: string | undefined,
    status?: number,
  ): FastifyReply;
}

export function createAuthorizeForms(formProtection: FormProtection): AuthorizeForms {
  function showSignIn(reply: FastifyReply, authorization: AuthorizationRequest, extra: { email?: string; error?: string }, status = 200) {
    const fields = formFields(authorization, undefined, undefined);
    const page = renderSignInPage({
      clientId: authorization.client.clientId,
      scopes: authorization.requestedScopes ?? authorization.client.scopes,
      hiddenFields: { ...fields, [CSRF_FIELD]: formProtection.issue(fields) },
      ...extra,
    });
    return sendPage(reply, status, page, authorization.redirectUri);
  }

  function showConsent(reply: FastifyReply, authorization: AuthorizationRequest, session: SignInSession, error: string | undefined) {
    const fields = formFields(authorization, session.user.id, undefined);
    const switchAccount = new URLSearchParams({ ...formFields(authorization, undefined, undefined), prompt: 'login' });
    const page = renderConsentPage({
      clientId: authorization.client.clientId,
      scopes: authorization.requestedScopes ?? authorization.client.scopes,
      hiddenFields: { ...fields, [CSRF_FIELD]: formProtection.issue(fields) },
      user: { email: session.user.email, name: session.user.name },
      switchAccountUrl: `/oauth/authorize?${switchAccount.toString()}`,
      ...(error === undefined ? {} : { error }),
    });
    return sendPage(reply, 200, page, authorization.redirectUri);
  }

  /**
   * The code form. After a password it carries the time of the password check (HMAC-covered); stepping up a
   * sign-in session it carries only the user, and the session itself is the proof of the password.
   */
  function showSecondFactor(
    reply: FastifyReply,
    authorization: AuthorizationRequest,
    user: UserRecord,
    passwordCheckedAtSeconds: number | undefined,
    error: string | undefined,
    status = 200,
  ) {
    const fields = formFields(authorization, user.id, passwordCheckedAtSeconds === undefined ? undefined : String(passwordCheckedAtSeconds));
    const switchAccount = new URLSearchParams({ ...formFields(authorization, undefined, undefined), prompt: 'login' });
    const page = renderSecondFactorPage({
      clientId: authorization.client.clientId,
      scopes: authorization.requestedScopes ?? authorization.client.scopes,
      hiddenFields: { ...fields, [CSRF_FIELD]: formProtection.issue(fields) },
      user: { email: user.email, name: user.name },
      switchAccountUrl: `/oauth/authorize?${switchAccount.toString()}`,
      ...(error === undefined ? {} : { error }),
    });
    return sendPage(reply, status, page, authorization.redirectUri);
  }

  return { showSignIn, showConsent, showSecondFactor };
}

/**
 * The fields the form carries back, all covered by its CSRF token. A consent
 * or code form also names the user it was shown for, so a POST made after the
 * browser signed in as someone else is not approved for the wrong account;
 * a code form after a password, when that password was checked.
 */
export function formFields(authorization: AuthorizationRequest, signedInAs: string | undefined, passwordCheckedAt: string | undefined): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const name of AUTHORIZATION_PARAMETERS) {
    const value = authorization.parameters[name];
    if (value !== undefined) fields[name] = value;
  }
  if (signedInAs !== undefined) fields[SIGNED_IN_AS_FIELD] = signedInAs;
  if (signedInAs !== undefined && passwordCheckedAt !== undefined) fields[PASSWORD_CHECKED_AT_FIELD] = passwordCheckedAt;
  return fields;
}

export function sendPage(reply: FastifyReply, status: number, html: string, redirectUri?: string) {
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

