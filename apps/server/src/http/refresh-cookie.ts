import type { IncomingHttpHeaders } from 'node:http';
import { fastifyCookie } from '@fastify/cookie';
import type { Config } from '../config.js';

/** The refresh token's cookie when auth.login was asked for `refreshTokenDelivery: 'cookie'`. */
export const REFRESH_COOKIE_NAME = 'gatehouse_refresh';

/**
 * The cookie goes back only to auth.refresh, never to the other procedures:
 * RFC 6265 section 5.1.4 matches paths exactly or at a `/`, so a batch URL
 * (`/trpc/auth.refresh,users.me`) does not carry it either. auth.logout does
 * not need it: the access token's `sid` names the family.
 */
export const REFRESH_COOKIE_PATH = '/trpc/auth.refresh';

/**
 * `Set-Cookie` for a refresh token: HttpOnly (no script reads it), SameSite=Strict
 * (no cross-site request carries it), Secure outside development (plain-HTTP
 * localhost would otherwise drop it), expiring with its family.
 */
export function refreshCookie(config: Pick<Config, 'env'>, token: string, maxAgeSeconds: number): string {
  return fastifyCookie.serialize(REFRESH_COOKIE_NAME, token, {
    httpOnly: true,
    secure: config.env !== 'development',
    sameSite: 'strict',
    path: REFRESH_COOKIE_PATH,
    maxAge: maxAgeSeconds,
  });
}

/** `Set-Cookie` that deletes the refresh cookie (logout, or a refresh token that no longer works). */
export function clearedRefreshCookie(config: Pick<Config, 'env'>): string {
  return fastifyCookie.serialize(REFRESH_COOKIE_NAME, '', {
    httpOnly: true,
    secure: config.env !== 'development',
    sameSite: 'strict',
    path: REFRESH_COOKIE_PATH,
    maxAge: 0,
  });
}

/** The refresh cookie a request carries, if any. */
export function readRefreshCookie(headers: IncomingHttpHeaders): string | undefined {
  const header = headers.cookie;
  if (header === undefined || header === '') return undefined;
  const value = fastifyCookie.parse(header)[REFRESH_COOKIE_NAME];
  return value === undefined || value === '' ? undefined : value;
}
