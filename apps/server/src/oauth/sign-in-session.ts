import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { fastifyCookie } from '@fastify/cookie';
import type { Config } from '../config.js';
import type { RefreshTokens } from '../tokens/refresh-tokens.js';
import { passwordSignIn, secondFactorSignIn, type SignInAuthentication } from '../tokens/sign-in-authentication.js';
import type { UserRecord, UserStore } from '../stores/user-store.js';

/**
 * The client id a sign-in session's record carries. Sessions are kept as
 * refresh-token families of this pseudo-client, so they live in whichever
 * store holds refresh tokens (memory, Redis, PostgreSQL), expire with
 * GATEHOUSE_REFRESH_TOKEN_TTL, and end with everything that ends a user's
 * sessions: admin.sessions.revokeAll, a role change, a removed account.
 * No grant can use one: both auth.refresh and the refresh_token grant
 * refuse a family of another client, and the token never leaves this cookie.
 */
export const SIGN_IN_SESSION_CLIENT_ID = 'gatehouse:sign-in';

/** The cookie in development (plain-HTTP localhost cannot hold a `__Host-` cookie). */
export const DEVELOPMENT_SIGN_IN_COOKIE_NAME = 'gatehouse_sign_in';
/** Everywhere else: `__Host-` so no sibling subdomain can plant or widen it (see tokens/refresh-cookie.ts). */
export const SECURE_SIGN_IN_COOKIE_NAME = `__Host-${DEVELOPMENT_SIGN_IN_COOKIE_NAME}`;

/**
 * A live sign-in: who, how (`acr`, `amr`) and when they last authenticated
 * (OIDC `auth_time`, for `max_age`); the authorization codes it approves
 * carry the same three into their tokens.
 */
export interface SignInSession {
  readonly user: UserRecord;
  readonly familyId: string;
  readonly authentication: SignInAuthentication;
}

export interface SignInSessions {
  /** Starts a session for a user who just signed in as `authentication` says; returns its `Set-Cookie`. */
  start(user: UserRecord, authentication: SignInAuthentication): Promise<string>;
  /** The session the request's cookie proves, or undefined (none, forged, revoked, expired, user gone). */
  read(headers: IncomingHttpHeaders): Promise<SignInSession | undefined>;
  /** Ends a session server-side: its cookie stops working at once, wherever it was copied. */
  end(session: SignInSession): Promise<void>;
  /** `Set-Cookie` that deletes the cookie. */
  clearedCookie(): string;
}

export interface SignInSessionsOptions {
  readonly config: Pick<Config, 'env' | 'refreshTokenTtlSeconds'>;
  readonly refreshTokens: RefreshTokens;
  readonly users: Pick<UserStore, 'findById'>;
  /** Signs the sign-in time and acr into the cookie, so a stolen cookie cannot be made to look fresher or stronger. */
  readonly key: Buffer;
  readonly now?: () => number;
}

/** `authTime.acr.token.mac`: the token is a refresh token (`familyId.secret`), the mac covers the three before it. */
const COOKIE_VALUE = /^(\d{1,12})\.(pwd|mfa)\.([0-9a-f-]{36}\.[A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})$/;

export function createSignInSessions(options: SignInSessionsOptions): SignInSessions {
  const { config, refreshTokens, users, key } = options;
  if (key.length < 32) throw new RangeError('sign-in session key must be at least 32 bytes');
  const now = options.now ?? Date.now;
  const name = config.env === 'development' ? DEVELOPMENT_SIGN_IN_COOKIE_NAME : SECURE_SIGN_IN_COOKIE_NAME;
  const mac = (authTime: number, acr: SignInAuthentication['acr'], token: string) =>
    createHmac('sha256', key).update(`${authTime}.${acr}.${token}`).digest('base64url');

  // HttpOnly: no script reads it. SameSite=Lax: sent on the top-level navigation that brings a user from the
  // application (usually another site) to /oauth/authorize, never on a cross-site POST. Secure outside development.
  const serialize = (value: string, maxAge: number) =>
    fastifyCookie.serialize(name, value, { httpOnly: true, secure: config.env !== 'development', sameSite: 'lax', path: '/', maxAge });

  return {
    async start(user, authentication) {
      const { authTime, acr } = authentication;
      const issued = await refreshTokens.startFamily({ userId: user.id, clientId: SIGN_IN_SESSION_CLIENT_ID, scopes: [] });
      return serialize(`${authTime}.${acr}.${issued.token}.${mac(authTime, acr, issued.token)}`, Math.min(issued.expiresInSeconds, config.refreshTokenTtlSeconds));
    },

    async read(headers) {
      const value = readSingleCookie(headers, name);
      const match = value === undefined ? null : COOKIE_VALUE.exec(value);
      if (match === null) return undefined;
      const [, authTimeText = '', acrText = '', token = '', signature = ''] = match;
      const authTime = Number(authTimeText);
      const acr = acrText === 'mfa' ? 'mfa' : 'pwd';
      const expected = Buffer.from(mac(authTime, acr, token));
      const presented = Buffer.from(signature);
      if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return undefined;
      const state = await refreshTokens.inspect(token);
      if (state === undefined || !state.active || state.family.clientId !== SIGN_IN_SESSION_CLIENT_ID) return undefined;
      if (state.family.expiresAtMs <= now()) return undefined;
      const user = await users.findById(state.family.userId);
      if (user === undefined) return undefined;
      // amr follows from acr here: this page signs in with a password, then optionally a TOTP or recovery code (`otp`).
      const authentication = acr === 'mfa' ? secondFactorSignIn(authTime * 1000) : passwordSignIn(authTime * 1000);
      return { user, familyId: state.family.familyId, authentication };
    },

    async end(session) {
      await refreshTokens.revokeFamily(session.familyId);
    },

    clearedCookie: () => serialize('', 0),
  };
}

/**
 * The one cookie of that name, or undefined. Two are treated as none (and the
 * user signs in again): a sibling subdomain could have planted the second.
 */
function readSingleCookie(headers: IncomingHttpHeaders, name: string): string | undefined {
  const header = headers.cookie;
  if (header === undefined) return undefined;
  const values: string[] = [];
  for (const pair of header.split(';')) {
    const separator = pair.indexOf('=');
    if (separator !== -1 && pair.slice(0, separator).trim() === name) values.push(pair.slice(separator + 1).trim());
  }
  if (values.length !== 1) return undefined;
  return fastifyCookie.parse(`${name}=${values[0]}`)[name];
}
