import type { IncomingHttpHeaders } from 'node:http';
import { fastifyCookie } from '@fastify/cookie';
import { TRPCError } from '@trpc/server';
import type { Config } from '../config.js';

/** The refresh token's cookie in development (plain-HTTP localhost cannot hold a `__Host-` cookie). */
export const DEVELOPMENT_REFRESH_COOKIE_NAME = 'gatehouse_refresh';

/**
 * The refresh token's cookie everywhere else. The `__Host-` prefix
 * (RFC 6265bis section 4.1.3.2) makes browsers refuse the cookie unless it was
 * set Secure, from this very host, without `Domain=` and with `Path=/`. That
 * is stronger than `__Secure-`: a sibling subdomain on HTTPS can set a
 * `__Secure-` cookie for the parent domain, and right after a logout (when
 * the victim holds no cookie of their own to make two) the planted one would
 * be the only one sent, signing the victim into the attacker's session.
 */
export const SECURE_REFRESH_COOKIE_NAME = `__Host-${DEVELOPMENT_REFRESH_COOKIE_NAME}`;

/**
 * `__Host-` requires `Path=/`, so the cookie reaches every path of the host;
 * it is HttpOnly and SameSite=Strict, it is redacted from logs with every
 * cookie header, and only auth.refresh and auth.logout read it, each behind
 * the CSRF checks (auth/require-cookie-csrf.ts). Development uses the same
 * path so that both behave alike.
 */
export const REFRESH_COOKIE_PATH = '/';

/** The cookie's name under this config. */
export function refreshCookieName(config: Pick<Config, 'env'>): string {
  return config.env === 'development' ? DEVELOPMENT_REFRESH_COOKIE_NAME : SECURE_REFRESH_COOKIE_NAME;
}

/**
 * `Set-Cookie` for a refresh token: HttpOnly (no script reads it), SameSite=Strict
 * (no cross-site request carries it), Secure outside development (plain-HTTP
 * localhost would otherwise drop it), expiring with its family.
 */
export function refreshCookie(config: Pick<Config, 'env'>, token: string, maxAgeSeconds: number): string {
  return fastifyCookie.serialize(refreshCookieName(config), token, {
    httpOnly: true,
    secure: config.env !== 'development',
    sameSite: 'strict',
    path: REFRESH_COOKIE_PATH,
    maxAge: maxAgeSeconds,
  });
}

/** `Set-Cookie` that deletes the refresh cookie (logout, or a refresh token that no longer works). */
export function clearedRefreshCookie(config: Pick<Config, 'env'>): string {
  return fastifyCookie.serialize(refreshCookieName(config), '', {
    httpOnly: true,
    secure: config.env !== 'development',
    sameSite: 'strict',
    path: REFRESH_COOKIE_PATH,
    maxAge: 0,
  });
}

/**
 * The refresh cookie a request carries, if any. Two cookies of that name
 * are refused, not resolved: a sibling subdomain can set a cookie with
 * `Domain=` the parent (or a longer path), the browser then sends both, and
 * picking either one would let that sibling log the victim into the
 * attacker's session (session fixation). Nothing tells the two apart.
 */
export function readRefreshCookie(config: Pick<Config, 'env'>, headers: IncomingHttpHeaders): string | undefined {
  const header = headers.cookie;
  if (header === undefined || header === '') return undefined;
  const name = refreshCookieName(config);
  let found: string | undefined;
  let count = 0;
  for (const pair of header.split(';')) {
    const separator = pair.indexOf('=');
    if (separator === -1 || pair.slice(0, separator).trim() !== name) continue;
    count += 1;
    found = pair.slice(separator + 1).trim();
  }
  if (count > 1) {
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: `The request carries ${count} ${name} cookies; a session has one. Clear this site's cookies and sign in again`,
    });
  }
  if (found === undefined || found === '') return undefined;
  // The same decoding the cookie was written with (fastifyCookie.serialize percent-encodes).
  const value = fastifyCookie.parse(`${name}=${found}`)[name];
  return value === undefined || value === '' ? undefined : value;
}
