import type { PublicUser, TokenGrant } from '@gatehouse/contracts';
import { CSRF_HEADER } from '@gatehouse/contracts';
import { createTRPCClient, httpLink } from '@trpc/client';
import type { GatehouseRouter as AppRouter } from '@gatehouse/contracts/trpc';
import type { LinkFetch } from '../create-gatehouse-client.js';
import { gatehouseErrorLink } from '../error-link.js';
import { UnauthorizedError } from '../errors.js';
import { createMemoryTokenStorage, type SessionTokens, type TokenStorage } from './token-storage.js';

/** Options of a session: `createGatehouseClient({ url, session: { … } })`. */
export interface SessionOptions {
  /** Where tokens live; memory by default. */
  readonly storage?: TokenStorage;
  /**
   * `body` (default): the refresh token is returned to and kept by the client.
   * `cookie` (browsers): the server keeps it in an HttpOnly cookie this
   * client sends with `credentials: 'include'` and the CSRF header.
   */
  readonly refreshTokenDelivery?: 'body' | 'cookie';
  /** Refresh this long before the access token expires, at most a quarter of its lifetime (default 30 s). */
  readonly refreshMarginMs?: number;
  /** Epoch milliseconds; for tests. */
  readonly now?: () => number;
}

/**
 * A logged-in user's tokens, kept fresh. Every call of a session client
 * waits for {@link GatehouseSession.ensureFresh}; refreshes are single-flight,
 * so any number of concurrent calls cause one refresh.
 */
export interface GatehouseSession {
  /** Logs in and keeps the tokens. Throws UnauthorizedError (`invalid_credentials`) or RateLimitedError. */
  login(credentials: { readonly email: string; readonly password: string }): Promise<PublicUser>;
  /** Revokes the session on the server (access and refresh token) and forgets the tokens. */
  logout(): Promise<void>;
  /** Whether tokens are held (they may still be refused if revoked). */
  isLoggedIn(): Promise<boolean>;
  /** Refreshes now, or joins the refresh already running. */
  refresh(): Promise<void>;
  /** @internal Refreshes if the access token is due; used by the session link. */
  ensureFresh(): Promise<void>;
  /** @internal Refreshes after a 401 expired_token unless a refresh already replaced the token `generation` saw. */
  refreshAfterExpiry(generation: number): Promise<void>;
  /** @internal The access token to send, without waiting. */
  currentAccessToken(): string | undefined;
  /** @internal Increases with every new access token. */
  readonly generation: number;
}

export interface SessionTransport {
  readonly url: string;
  readonly fetch?: LinkFetch | undefined;
}

const DEFAULT_REFRESH_MARGIN_MS = 30_000;

export function createGatehouseSession(transport: SessionTransport, options: SessionOptions = {}): GatehouseSession {
  const storage = options.storage ?? createMemoryTokenStorage();
  const delivery = options.refreshTokenDelivery ?? 'body';
  const now = options.now ?? Date.now;
  const marginMs = options.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS;
  let current: SessionTokens | undefined;
  let loaded = false;
  let generation = 0;
  let inflight: Promise<void> | undefined;

  const baseFetch: LinkFetch = transport.fetch ?? ((input, init) => globalThis.fetch(input as never, init as never));
  // Cookie delivery: the browser must attach the HttpOnly cookie the script cannot see.
  const authFetch: LinkFetch = delivery === 'cookie' ? (input, init) => baseFetch(input, { ...init, credentials: 'include' }) : baseFetch;
  // Unbatched, so auth.refresh is alone in its URL and the path-scoped cookie is sent.
  const auth = createTRPCClient<AppRouter>({
    links: [
      gatehouseErrorLink<AppRouter>(),
      httpLink<AppRouter>({
        url: `${transport.url.replace(/\/+$/, '')}/trpc`,
        fetch: authFetch,
        headers: ({ op }) => {
          const headers: Record<string, string> = {};
          if (op.path === 'auth.logout' && current !== undefined) headers['authorization'] = `Bearer ${current.accessToken}`;
          if (op.path === 'auth.refresh' && delivery === 'cookie') headers[CSRF_HEADER] = '1';
          return headers;
        },
      }),
    ],
  });

  async function tokens(): Promise<SessionTokens | undefined> {
    if (!loaded) {
      current = await storage.load();
      loaded = true;
    }
    return current;
  }

  async function keep(grant: TokenGrant, previousRefreshToken: string | undefined): Promise<void> {
    // `exp` counts whole seconds from the server's `iat`, so the token may expire up to 1 s before
    // receipt + expiresIn: count that second as gone.
    const lifetimeMs = Math.max(0, grant.expiresIn * 1000 - 1000);
    const issuedAt = now();
    current = {
      accessToken: grant.accessToken,
      expiresAt: issuedAt + lifetimeMs,
      refreshAt: issuedAt + lifetimeMs - Math.min(marginMs, lifetimeMs / 4),
      refreshToken: grant.refreshToken ?? (delivery === 'cookie' ? undefined : previousRefreshToken),
    };
    loaded = true;
    generation += 1;
    await storage.save(current);
  }

  async function forget(): Promise<void> {
    current = undefined;
    loaded = true;
    generation += 1;
    await storage.clear();
  }

  async function runRefresh(): Promise<void> {
    const held = await tokens();
    if (held === undefined) return;
    try {
      const input = delivery === 'cookie' ? {} : { refreshToken: held.refreshToken ?? '' };
      await keep(await auth.auth.refresh.mutate(input), held.refreshToken);
    } catch (error) {
      // A refused refresh token (revoked family, expired, reused) ends the session: the app logs in again.
      if (error instanceof UnauthorizedError) await forget();
      throw error;
    }
  }

  function refresh(): Promise<void> {
    inflight ??= runRefresh().finally(() => {
      inflight = undefined;
    });
    return inflight;
  }

  return {
    async login(credentials) {
      const grant = await auth.auth.login.mutate({ ...credentials, refreshTokenDelivery: delivery });
      await keep(grant, undefined);
      return grant.user;
    },
    async logout() {
      const held = await tokens();
      try {
        if (held !== undefined) await auth.auth.logout.mutate();
      } finally {
        await forget();
      }
    },
    async isLoggedIn() {
      return (await tokens()) !== undefined;
    },
    refresh,
    async ensureFresh() {
      if (inflight !== undefined) return inflight;
      const held = await tokens();
      if (held !== undefined && now() >= held.refreshAt) await refresh();
    },
    async refreshAfterExpiry(seen) {
      if (inflight !== undefined) return inflight;
      if (seen !== generation) return; // another call's refresh already replaced that token
      await refresh();
    },
    currentAccessToken: () => current?.accessToken,
    get generation() {
      return generation;
    },
  };
}
