import { randomBytes, createHmac } from 'node:crypto';
import pino from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { createSecurityEvents } from '../audit/security-events.js';
import { createMemoryTokenStore } from '../stores/memory/memory-token-store.js';
import { createMemoryUserStore } from '../stores/memory/memory-user-store.js';
import type { UserRecord, UserStore } from '../stores/user-store.js';
import { createRefreshTokens, type RefreshTokens } from '../tokens/refresh-tokens.js';
import { passwordSignIn, secondFactorSignIn } from '../tokens/sign-in-authentication.js';
import {
  createSignInSessions,
  DEVELOPMENT_SIGN_IN_COOKIE_NAME,
  SECURE_SIGN_IN_COOKIE_NAME,
  SIGN_IN_SESSION_CLIENT_ID,
  type SignInSessions,
} from './sign-in-session.js';

const TTL_SECONDS = 3_600;
const START_MS = Date.UTC(2026, 11, 2, 12, 0, 0);

/** The `name=value` part of a Set-Cookie, as a browser sends it back. */
const cookieHeader = (setCookie: string) => ({ cookie: setCookie.split(';')[0] ?? '' });

describe('sign-in sessions of the authorize page', () => {
  let nowMs: number;
  let key: Buffer;
  let users: UserStore;
  let refreshTokens: RefreshTokens;
  let alice: UserRecord;
  const sessionsFor = (env: 'development' | 'production' = 'production'): SignInSessions =>
    createSignInSessions({ config: { env, refreshTokenTtlSeconds: TTL_SECONDS }, refreshTokens, users, key, now: () => nowMs });
  /** A cookie value the server itself would sign, around any refresh token: what only a key holder can make. */
  const signedCookie = (token: string, authTime = Math.floor(nowMs / 1000), acr = 'pwd') => ({
    cookie: `${SECURE_SIGN_IN_COOKIE_NAME}=${authTime}.${acr}.${token}.${createHmac('sha256', key).update(`${authTime}.${acr}.${token}`).digest('base64url')}`,
  });

  beforeEach(async () => {
    nowMs = START_MS;
    key = randomBytes(32);
    users = createMemoryUserStore();
    // The store keeps its own clock, as Redis keeps its TTLs: the session must not rely on the store to expire it.
    const store = createMemoryTokenStore({ now: () => START_MS });
    refreshTokens = createRefreshTokens({ store, events: createSecurityEvents(pino({ level: 'silent' })), ttlSeconds: TTL_SECONDS, accessTokenTtlSeconds: 900, now: () => nowMs });
    alice = await users.create({ email: 'alice@sessions.test', name: 'Alice', role: 'user', passwordHash: 'unused' });
  });

  it('reads back who signed in, how and when, from an HttpOnly, Secure, SameSite=Lax __Host- cookie', async () => {
    const sessions = sessionsFor();
    const setCookie = await sessions.start(alice, secondFactorSignIn(nowMs));
    expect(setCookie.startsWith(`${SECURE_SIGN_IN_COOKIE_NAME}=`)).toBe(true);
    expect(setCookie).toMatch(/; HttpOnly/);
    expect(setCookie).toMatch(/; Secure/);
    expect(setCookie).toMatch(/; SameSite=Lax/);
    expect(setCookie).toMatch(/; Path=\//);
    expect(setCookie).toMatch(new RegExp(`; Max-Age=${TTL_SECONDS}(;|$)`));
    const session = await sessions.read(cookieHeader(setCookie));
    expect(session?.user.id).toBe(alice.id);
    expect(session?.authentication).toEqual(secondFactorSignIn(Math.floor(nowMs / 1000) * 1000));
  });

  it('uses a plain cookie name without Secure only in development (plain-HTTP localhost)', async () => {
    const setCookie = await sessionsFor('development').start(alice, passwordSignIn(nowMs));
    expect(setCookie.startsWith(`${DEVELOPMENT_SIGN_IN_COOKIE_NAME}=`)).toBe(true);
    expect(setCookie).not.toMatch(/Secure/);
  });

  it('never lets a cookie outlive its session: Max-Age is what is left of the family, at most the TTL', async () => {
    const setCookie = await sessionsFor().start(alice, passwordSignIn(nowMs));
    const maxAge = Number(/Max-Age=(\d+)/.exec(setCookie)?.[1]);
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(TTL_SECONDS);
  });

  it('refuses a session past its lifetime even while the store still holds the family', async () => {
    const sessions = sessionsFor();
    const headers = cookieHeader(await sessions.start(alice, passwordSignIn(nowMs)));
    nowMs = START_MS + TTL_SECONDS * 1000 - 1;
    expect(await sessions.read(headers)).toBeDefined();
    nowMs = START_MS + TTL_SECONDS * 1000;
    expect(await sessions.read(headers)).toBeUndefined();
  });

  it('refuses a cookie whose signed sign-in time or strength was changed', async () => {
    const sessions = sessionsFor();
    const value = (await sessions.start(alice, passwordSignIn(nowMs))).split(';')[0] ?? '';
    const [name, rest = ''] = value.split('=');
    const [authTime = '', , token = '', secret = '', mac = ''] = rest.split('.');
    expect(await sessions.read({ cookie: `${name}=${Number(authTime) + 600}.pwd.${token}.${secret}.${mac}` })).toBeUndefined();
    expect(await sessions.read({ cookie: `${name}=${authTime}.mfa.${token}.${secret}.${mac}` })).toBeUndefined();
  });

  it('answers no session, never an error, for a signed cookie around a token that is unknown, ended, of another client or of a user gone', async () => {
    const sessions = sessionsFor();
    const unknown = `${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}.${'A'.repeat(43)}`;
    await expect(sessions.read(signedCookie(unknown))).resolves.toBeUndefined();

    const started = await sessions.start(alice, passwordSignIn(nowMs));
    const session = await sessions.read(cookieHeader(started));
    expect(session).toBeDefined();
    await sessions.end(session!);
    await expect(sessions.read(cookieHeader(started))).resolves.toBeUndefined();

    // A refresh token of a real client, even inside a cookie this server signed, is not a sign-in session.
    const clientToken = await refreshTokens.startFamily({ userId: alice.id, clientId: 'web', scopes: [] });
    await expect(sessions.read(signedCookie(clientToken.token))).resolves.toBeUndefined();

    const orphan = await refreshTokens.startFamily({ userId: 'no-such-user', clientId: SIGN_IN_SESSION_CLIENT_ID, scopes: [] });
    await expect(sessions.read(signedCookie(orphan.token))).resolves.toBeUndefined();
  });

  it('treats two cookies of the name as none: a sibling subdomain could have planted one', async () => {
    const sessions = sessionsFor();
    const value = (await sessions.start(alice, passwordSignIn(nowMs))).split(';')[0] ?? '';
    expect(await sessions.read({ cookie: value })).toBeDefined();
    expect(await sessions.read({ cookie: `${value}; ${value}` })).toBeUndefined();
    expect(await sessions.read({ cookie: `other=1; ${value}` })).toBeDefined();
  });

  it('refuses a key too short to sign with', () => {
    key = randomBytes(16);
    expect(() => sessionsFor()).toThrow(/at least 32 bytes/);
  });
});
