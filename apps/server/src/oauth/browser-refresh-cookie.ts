import type { IncomingHttpHeaders } from 'node:http';
import { fastifyCookie } from '@fastify/cookie';
import { CSRF_HEADER } from '@gatehouse/contracts';
import type { FastifyReply } from 'fastify';
import type { Config } from '../config.js';
import { isAllowedOrigin } from '../auth/allowed-origin.js';
import type { OAuthClient } from './client-registry.js';
import { OAuthError } from './oauth-error.js';
import type { TokenResponse } from './token-response.js';

/** The token request parameter that asks for the refresh token in a cookie instead of the body. */
export const REFRESH_TOKEN_DELIVERY_PARAMETER = 'refresh_token_delivery';

/** Development name (plain-HTTP localhost cannot hold a `__Host-` cookie); `__Host-` everywhere else. */
export const DEVELOPMENT_OAUTH_REFRESH_COOKIE_NAME = 'gatehouse_oauth_refresh';

/**
 * How the token endpoint hands a browser app its refresh token. A public
 * client running in a browser (apps/web) cannot keep a refresh token where
 * an XSS cannot read it, so it may ask, with `refresh_token_delivery=cookie`,
 * for the token in an HttpOnly, SameSite=Strict cookie of Gatehouse's own
 * host instead of the JSON body; it then refreshes by posting
 * `grant_type=refresh_token` with no `refresh_token`, and the cookie is read;
 * it signs out by posting to /oauth/revoke with no `token`: the cookie's
 * family (and its access tokens) is revoked and the cookie deleted.
 *
 * Both requests must carry `X-Gatehouse-CSRF: 1` (a header a cross-site page
 * cannot send without a CORS preflight this server grants only to
 * GATEHOUSE_CORS_ORIGINS) and an allowed Origin, as auth.refresh's cookie
 * mode does. SameSite=Strict means the app must be same-site with Gatehouse
 * (app.example.com and auth.example.com): a first-party app. The cookie has
 * its own name, apart from auth.login's refresh cookie, so a first-party
 * session and an OAuth one in the same browser never overwrite each other.
 */
export interface RefreshDelivery {
  /** The grant's parameters, with the cookie's refresh token when a refresh_token grant named none. */
  readonly parameters: Readonly<Record<string, string>>;
  /** Cookie mode only: the refresh token the cookie holds, if any. */
  readonly cookieToken: string | undefined;
  /** Cookie mode only: deletes the cookie (a sign-out). */
  clear(reply: FastifyReply): void;
  /** The response to send: in cookie mode, the refresh token moves from the body to `Set-Cookie`. */
  deliver(reply: FastifyReply, response: TokenResponse): TokenResponse;
  /** In cookie mode, a refresh token that no longer works is deleted, so the browser stops sending it. */
  refused(reply: FastifyReply, error: OAuthError): void;
}

export function readRefreshDelivery(
  headers: IncomingHttpHeaders,
  client: OAuthClient,
  parameters: Readonly<Record<string, string>>,
  config: Pick<Config, 'env' | 'corsOrigins' | 'issuer' | 'refreshTokenTtlSeconds'>,
): RefreshDelivery {
  const requested = parameters[REFRESH_TOKEN_DELIVERY_PARAMETER];
  const { [REFRESH_TOKEN_DELIVERY_PARAMETER]: _ignored, ...rest } = parameters;
  if (requested === undefined || requested === 'body') {
    return { parameters: rest, cookieToken: undefined, clear: () => undefined, deliver: (_reply, response) => response, refused: () => undefined };
  }
  if (requested !== 'cookie') throw new OAuthError('invalid_request', `${REFRESH_TOKEN_DELIVERY_PARAMETER} must be body or cookie`);
  // A confidential client is a server: it keeps its refresh token itself.
  if (client.type !== 'public') throw new OAuthError('invalid_request', 'Only a public (browser) client may have its refresh token in a cookie');
  if (headers[CSRF_HEADER] !== '1' || !isAllowedOrigin(headers, config)) {
    throw new OAuthError('invalid_request', `A refresh token in a cookie needs the ${CSRF_HEADER}: 1 header and an allowed Origin`);
  }

  const name = config.env === 'development' ? DEVELOPMENT_OAUTH_REFRESH_COOKIE_NAME : `__Host-${DEVELOPMENT_OAUTH_REFRESH_COOKIE_NAME}`;
  const cookie = (value: string, maxAge: number) =>
    fastifyCookie.serialize(name, value, { httpOnly: true, secure: config.env !== 'development', sameSite: 'strict', path: '/', maxAge });

  const cookieToken = readOneCookie(headers, name);
  let grantParameters = rest;
  if (rest['grant_type'] === 'refresh_token') {
    if (rest['refresh_token'] !== undefined) throw new OAuthError('invalid_request', 'Send the refresh token in the body or in the cookie, not both');
    if (cookieToken === undefined) throw new OAuthError('invalid_grant', 'No refresh cookie: sign in again');
    grantParameters = { ...rest, refresh_token: cookieToken };
  }
  return {
    parameters: grantParameters,
    cookieToken,
    clear: (reply) => void reply.header('set-cookie', cookie('', 0)),
    deliver(reply, response) {
      const { refresh_token: refreshToken, ...body } = response;
      if (refreshToken === undefined) return response;
      // The family's whole lifetime at most; a cookie that outlives a rotated family is refused and deleted.
      reply.header('set-cookie', cookie(refreshToken, config.refreshTokenTtlSeconds));
      return body;
    },
    refused(reply, error) {
      if (error.error === 'invalid_grant') reply.header('set-cookie', cookie('', 0));
    },
  };
}

/** The one cookie of that name; two are refused (a sibling subdomain may have planted one), as tokens/refresh-cookie.ts does. */
function readOneCookie(headers: IncomingHttpHeaders, name: string): string | undefined {
  const values = (headers.cookie ?? '')
    .split(';')
    .map((pair) => pair.trim())
    .filter((pair) => pair.startsWith(`${name}=`))
    .map((pair) => pair.slice(name.length + 1));
  if (values.length > 1) throw new OAuthError('invalid_request', `The request carries ${values.length} ${name} cookies; clear this site's cookies and sign in again`);
  const value = values[0] === undefined ? undefined : fastifyCookie.parse(`${name}=${values[0]}`)[name];
  return value === undefined || value === '' ? undefined : value;
}
