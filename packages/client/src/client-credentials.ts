import { isScope, type Scope } from '@gatehouse/contracts';
import type { LinkFetch } from './link-fetch.js';

/**
 * A service's own OAuth client (RFC 6749 section 4.4): the client fetches
 * its access token from `/oauth/token`, keeps it, and renews it before it
 * expires. The scopes asked for bind the client's type.
 */
export interface ClientCredentialsOptions<TScope extends Scope = Scope> {
  readonly clientId: string;
  /** Sent as HTTP Basic client authentication (client_secret_basic), never logged, never in an error message. */
  readonly clientSecret: string;
  /** The scopes to ask for; the server may grant fewer, never more (RFC 6749 section 3.3). */
  readonly scopes: readonly TScope[];
  /** Renew this long before the token expires, at most a quarter of its lifetime (default 30 s). */
  readonly renewMarginMs?: number;
  /** Epoch milliseconds; for tests. */
  readonly now?: () => number;
}

/** The token endpoint refused or failed: `error` is RFC 6749's code (`invalid_client`, `invalid_scope`, ...). */
export class TokenRequestError extends Error {
  readonly error: string;
  readonly status: number;

  constructor(status: number, error: string, description: string | undefined) {
    // The endpoint's own words only: the request (and so the secret) is never part of the message.
    super(`The token endpoint answered ${status} ${error}${description === undefined ? '' : `: ${description}`}`);
    this.name = 'TokenRequestError';
    this.error = error;
    this.status = status;
  }
}

/** A service's token, fetched on demand and shared by every call. */
export interface ClientCredentialsToken {
  /** The token to send, fetching or renewing it first when needed; concurrent callers share one request. */
  current(): Promise<string>;
  /**
   * After a 401 expired_token or revoked_token on a call sent at `generation`:
   * fetch a new token, once however many calls were refused with the old one.
   */
  renewAfter(generation: number): Promise<void>;
  /** Increases with every token fetched. */
  readonly generation: number;
  /** The scopes the last token was granted, once one was fetched. */
  grantedScopes(): readonly Scope[] | undefined;
}

const DEFAULT_RENEW_MARGIN_MS = 30_000;

interface Held {
  readonly token: string;
  readonly renewAt: number;
  readonly scopes: readonly Scope[];
}

export function createClientCredentialsToken(
  baseUrl: string,
  fetch: LinkFetch | undefined,
  options: ClientCredentialsOptions,
): ClientCredentialsToken {
  if (options.clientId === '' || options.clientSecret === '') throw new TypeError('clientCredentials needs a clientId and a clientSecret');
  if (options.scopes.length === 0) throw new TypeError('clientCredentials.scopes must name at least one scope');
  const tokenUrl = `${baseUrl.replace(/\/+$/, '')}/oauth/token`;
  const now = options.now ?? Date.now;
  const marginMs = options.renewMarginMs ?? DEFAULT_RENEW_MARGIN_MS;
  // RFC 6749 section 2.3.1: both parts form-urlencoded before Base64.
  const basic = btoa(`${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`);
  const body = new URLSearchParams({ grant_type: 'client_credentials', scope: options.scopes.join(' ') }).toString();
  const send: LinkFetch = fetch ?? ((input, init) => globalThis.fetch(input as never, init as never));
  let held: Held | undefined;
  let inflight: Promise<Held> | undefined;
  let generation = 0;

  async function request(): Promise<Held> {
    const requestedAt = now();
    const response = await send(tokenUrl, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
    });
    // A proxy's HTML error page is not JSON: it reads as an empty answer, refused below.
    const payload = ((await response.json().catch(() => ({}))) ?? {}) as Record<string, unknown>;
    const status = 'status' in response && typeof response.status === 'number' ? response.status : 0;
    if (!response.ok || typeof payload['access_token'] !== 'string' || typeof payload['expires_in'] !== 'number') {
      const error = typeof payload['error'] === 'string' ? payload['error'] : 'invalid_response';
      const description = typeof payload['error_description'] === 'string' ? payload['error_description'] : undefined;
      throw new TokenRequestError(status, error, description);
    }
    // `exp` counts whole seconds from the server's `iat`: count one second as gone, as the session does.
    const lifetimeMs = Math.max(0, payload['expires_in'] * 1000 - 1000);
    // RFC 6749 section 5.1: no `scope` means the requested scopes were granted.
    const granted = typeof payload['scope'] === 'string' ? payload['scope'].split(' ').filter(isScope) : [...options.scopes];
    return {
      token: payload['access_token'],
      renewAt: requestedAt + lifetimeMs - Math.min(marginMs, lifetimeMs / 4),
      scopes: granted,
    };
  }

  function fetchToken(): Promise<Held> {
    inflight ??= request()
      .then((next) => {
        generation += 1;
        return (held = next);
      })
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  }

  return {
    async current() {
      if (inflight !== undefined) return (await inflight).token;
      if (held !== undefined && now() < held.renewAt) return held.token;
      return (await fetchToken()).token;
    },
    async renewAfter(seen) {
      if (inflight !== undefined) {
        await inflight;
        return;
      }
      if (seen !== generation) return; // another call's renewal already replaced the refused token
      held = undefined;
      await fetchToken();
    },
    grantedScopes: () => held?.scopes,
    get generation() {
      return generation;
    },
  };
}
