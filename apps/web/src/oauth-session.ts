import { CSRF_HEADER } from '@gatehouse/contracts';
import type { AppConfig } from './app-config.js';
import { createPkcePair, randomUrlSafe } from './pkce.js';

/** An answer of Gatehouse's OAuth endpoints that was not a success (RFC 6749 section 5.2, or the authorize redirect's). */
export class SignInError extends Error {
  constructor(
    readonly error: string,
    readonly description: string | undefined,
  ) {
    super(description ?? error);
    this.name = 'SignInError';
  }
}

interface AccessToken {
  readonly value: string;
  readonly expiresAtMs: number;
  readonly scopes: readonly string[];
}

/** What survives the trip through the authorize page: sessionStorage, this tab only, removed when the callback is read. */
const PENDING_KEY = 'gatehouse-web:pending-sign-in';
/** Refresh this long before the access token expires, so a call never leaves with one about to lapse. */
const EXPIRY_MARGIN_MS = 1_000;

/**
 * The browser side of authorization code + PKCE, with the tokens where an
 * XSS cannot take them for later: the access token only in this closure's
 * memory (gone on reload), the refresh token only in Gatehouse's HttpOnly
 * cookie, which the token endpoint sets and reads itself
 * (`refresh_token_delivery=cookie`, behind the X-Gatehouse-CSRF header and
 * an allowed Origin). A reload restores the session by one cookie refresh.
 */
export interface OAuthSession {
  /** Sends the browser to Gatehouse's authorize page. */
  beginSignIn(): Promise<void>;
  /** Reads the callback (`/cb?code&state&iss` or `?error`), checks state and issuer, and redeems the code. */
  completeSignIn(callback: URL): Promise<void>;
  /** A session from the refresh cookie, if the browser holds a live one. */
  restore(): Promise<boolean>;
  /** The access token for the next call, refreshed first when it has expired; undefined when signed out. */
  accessToken(): Promise<string | undefined>;
  /** A new access token now (after the server called the current one expired); false when the session has ended. */
  refresh(): Promise<boolean>;
  /** Revokes the refresh token (and with it the access tokens) and deletes the cookie. */
  signOut(): Promise<void>;
  readonly signedIn: boolean;
  readonly scopes: readonly string[];
}

export function createOAuthSession(config: AppConfig): OAuthSession {
  const redirectUri = `${location.origin}/cb`;
  let current: AccessToken | undefined;
  let refreshing: Promise<boolean> | undefined;

  async function post(endpoint: 'token' | 'revoke', parameters: Record<string, string>): Promise<Record<string, unknown>> {
    const response = await fetch(`${config.gatehouseUrl}/oauth/${endpoint}`, {
      method: 'POST',
      // The refresh cookie is Gatehouse's: it travels only on credentialed requests to Gatehouse.
      credentials: 'include',
      headers: { 'content-type': 'application/x-www-form-urlencoded', [CSRF_HEADER]: '1' },
      body: new URLSearchParams({ ...parameters, client_id: config.clientId, refresh_token_delivery: 'cookie' }),
    });
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok) throw new SignInError(String(body['error'] ?? `http_${response.status}`), stringOrUndefined(body['error_description']));
    return body;
  }

  async function redeem(parameters: Record<string, string>): Promise<void> {
    const body = await post('token', parameters);
    const value = body['access_token'];
    const expiresIn = body['expires_in'];
    if (typeof value !== 'string' || typeof expiresIn !== 'number') throw new SignInError('invalid_response', 'The token endpoint sent no access token');
    current = { value, expiresAtMs: Date.now() + expiresIn * 1000, scopes: String(body['scope'] ?? '').split(' ').filter(Boolean) };
  }

  function refresh(): Promise<boolean> {
    // One refresh at a time: the token rotates, and a second request with the spent one would end the session.
    refreshing ??= redeem({ grant_type: 'refresh_token' })
      .then(() => true)
      .catch((error: unknown) => {
        current = undefined;
        if (error instanceof SignInError && error.error === 'invalid_grant') return false;
        throw error;
      })
      .finally(() => {
        refreshing = undefined;
      });
    return refreshing;
  }

  return {
    async beginSignIn() {
      const pkce = await createPkcePair();
      const state = randomUrlSafe(16);
      sessionStorage.setItem(PENDING_KEY, JSON.stringify({ state, verifier: pkce.verifier }));
      const url = new URL(`${config.gatehouseUrl}/oauth/authorize`);
      url.search = new URLSearchParams({
        response_type: 'code',
        client_id: config.clientId,
        redirect_uri: redirectUri,
        scope: config.scope,
        state,
        code_challenge: pkce.challenge,
        code_challenge_method: 'S256',
      }).toString();
      location.assign(url);
    },

    async completeSignIn(callback) {
      const pending = readPending();
      sessionStorage.removeItem(PENDING_KEY);
      const params = callback.searchParams;
      // RFC 9207: the answer must come from the Gatehouse this app sent the user to (mix-up defence).
      if (params.get('iss') !== config.gatehouseUrl) throw new SignInError('invalid_response', 'The sign-in answer came from an unexpected issuer');
      if (pending === undefined || params.get('state') !== pending.state) {
        throw new SignInError('invalid_state', 'This sign-in was not started here, or was already finished');
      }
      const error = params.get('error');
      if (error !== null) throw new SignInError(error, params.get('error_description') ?? undefined);
      const code = params.get('code');
      if (code === null) throw new SignInError('invalid_response', 'The sign-in answer carries no code');
      await redeem({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: pending.verifier });
    },

    restore: refresh,
    refresh,

    async accessToken() {
      if (current !== undefined && current.expiresAtMs - EXPIRY_MARGIN_MS > Date.now()) return current.value;
      if (current === undefined && refreshing === undefined) return undefined;
      return (await refresh()) ? current?.value : undefined;
    },

    async signOut() {
      current = undefined;
      await post('revoke', { token_type_hint: 'refresh_token' });
    },

    get signedIn() {
      return current !== undefined;
    },
    get scopes() {
      return current?.scopes ?? [];
    },
  };
}

function readPending(): { state: string; verifier: string } | undefined {
  try {
    const value: unknown = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? 'null');
    if (typeof value !== 'object' || value === null) return undefined;
    const { state, verifier } = value as Record<string, unknown>;
    return typeof state === 'string' && typeof verifier === 'string' ? { state, verifier } : undefined;
  } catch {
    return undefined;
  }
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
