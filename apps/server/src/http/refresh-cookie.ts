import type { IncomingHttpHeaders } from 'node:http';
import { fastifyCookie } from '@fastify/cookie';
import { TRPCError } from '@trpc/server';
import type { Config } from '../config.js';

/** The refresh token's cookie in development (plain-HTTP localhost cannot hold a `__Secure-` cookie). */
export const DEVELOPMENT_REFRESH_COOKIE_NAME = 'gatehouse_refresh';

/**
 * The refresh token's cookie everywhere else. The `__Secure-` prefix
 * (RFC 6265bis section 4.1.3.1) makes browsers refuse the cookie unless it was
 * set Secure from an HTTPS origin, so a plain-HTTP page or a network attacker
 * cannot plant one under this name.
 */
export const SECURE_REFRESH_COOKIE_NAME = `__Secure-${DEVELOPMENT_REFRESH_COOKIE_NAME}`;

/**
 * The cookie goes to the tRPC mount only, never to OAuth pages or anything
 * else on the host. It has to reach two procedures, auth.refresh and
 * auth.logout (a logout with an expired access token proves the session by
 * this cookie), and RFC 6265 section 5.1.4 matches paths at a `/` only, so
 * `/trpc` is the narrowest path both share. Only those two read it, each
 * behind the CSRF checks (auth/require-cookie-csrf.ts).
 */
export const REFRESH_COOKIE_PATH = '/trpc';

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
