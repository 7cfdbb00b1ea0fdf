import { randomBytes } from 'node:crypto';
import { loginInput } from '@gatehouse/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { grantableScopes, scopesOfRole } from '../auth/scopes.js';
import type { Dependencies } from '../dependencies.js';
import { normaliseIp } from '../http/client-ip.js';
import { renderConsentPage, renderErrorPage } from './authorize-page.js';
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
import { hashOpaqueToken } from './opaque-token.js';
import type { OAuthServices } from './oauth-services.js';

/** Codes live one minute: long enough for a redirect and a token request, short enough to be useless when stolen late. */
export const AUTHORIZATION_CODE_TTL_SECONDS = 60;

const CSRF_FIELD = 'csrf_token';
/** An expiry and a base64url HMAC-SHA256: far below this. */
const MAX_CSRF_TOKEN_LENGTH = 128;

const signInCredentials = z.strictObject({ email: loginInput.shape.email, password: loginInput.shape.password });

/**
 * GET and POST /oauth/authorize: authorization code with PKCE (S256 only),
 * a server-rendered login and consent form, and redirects that carry
 * `state` and `iss` (RFC 9207).
 */
export function registerAuthorizeEndpoint(app: FastifyInstance, deps: Dependencies, oauth: OAuthServices): void {
  app.get('/oauth/authorize', async (request, reply) =>
    handle(reply, async () => {
      const authorization = await parseAuthorizationRequest(oauth.clients, asParams(request.query));
      return showConsent(reply, authorization, {});
    }),
  );

  app.post('/oauth/authorize', async (request, reply) =>
    handle(reply, async () => {
      const body = asParams(request.body);
      const authorization = await parseAuthorizationRequest(oauth.clients, body);
      const csrfToken = body[CSRF_FIELD];
      if (typeof csrfToken !== 'string' || csrfToken.length > MAX_CSRF_TOKEN_LENGTH || !oauth.formProtection.verify(csrfToken, formFields(authorization))) {
        return sendPage(reply, 400, renderErrorPage('This form has expired or was not issued by Gatehouse. Start again from the application.'));
      }
      if (body['decision'] === 'deny') {
        throw new AuthorizationRedirectError('access_denied', 'The user denied the request');
      }
      if (body['decision'] !== 'approve') return sendPage(reply, 400, renderErrorPage('Choose Allow or Deny.'));
      // Validated exactly as auth.login validates them, before any limiter, log or record sees them:
      // a refused value is never echoed, stored or used as a key.
      const credentials = signInCredentials.safeParse({ email: body['email'], password: body['password'] });
      if (!credentials.success) {
        return showConsent(reply, authorization, { error: 'Enter a valid email address and a password.' }, 400);
      }
      const { email, password } = credentials.data;
      const signIn = await signInOnAuthorizeForm(deps, { email, password }, origin(request));
      if (signIn.outcome === 'blocked') {
        const retryAfterSeconds = Math.max(1, Math.ceil(signIn.retryAfterMs / 1000));
        reply.header('retry-after', String(retryAfterSeconds));
        const minutes = Math.ceil(retryAfterSeconds / 60);
        return showConsent(reply, authorization, { email, error: `Too many sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.` }, 429);
      }
      if (signIn.outcome === 'invalid_credentials') return showConsent(reply, authorization, { email, error: 'Invalid email or password' });
      const { user } = signIn;

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
    }),
  );

  function showConsent(reply: FastifyReply, authorization: AuthorizationRequest, extra: { email?: string; error?: string }, status = 200) {
    const fields = formFields(authorization);
    const page = renderConsentPage({
      clientId: authorization.client.clientId,
      scopes: authorization.requestedScopes ?? authorization.client.scopes,
      hiddenFields: { ...fields, [CSRF_FIELD]: oauth.formProtection.issue(fields) },
      ...extra,
    });
    return sendPage(reply, status, page, authorization.redirectUri);
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

function formFields(authorization: AuthorizationRequest): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const name of AUTHORIZATION_PARAMETERS) {
    const value = authorization.parameters[name];
    if (value !== undefined) fields[name] = value;
  }
  return fields;
}

function sendPage(reply: FastifyReply, status: number, html: string, redirectUri?: string) {
  const formAction = redirectUri === undefined ? "'self'" : `'self' ${new URL(redirectUri).origin}`;
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    // form-action must allow the client's origin: browsers apply it to the redirect that follows the POST.
    .header('content-security-policy', `default-src 'none'; style-src 'unsafe-inline'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`)
    .send(html);
}

function asParams(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}
