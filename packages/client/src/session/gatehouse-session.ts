import type { PublicUser, TokenGrant } from '@gatehouse/contracts';
import { CSRF_HEADER, isSecondFactorChallenge } from '@gatehouse/contracts';
import { createTRPCClient, httpLink } from '@trpc/client';
import type { GatehouseRouter as AppRouter } from '@gatehouse/contracts/trpc';
import type { LinkFetch } from '../link-fetch.js';
import { gatehouseErrorLink } from '../error-link.js';
import { UnauthorizedError } from '../errors.js';
import { createLocalLock, createMemoryTokenStorage, type SessionTokens, type TokenStorage } from './token-storage.js';
import { SecondFactorRequiredError } from './second-factor-required-error.js';

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
  /**
   * Logs in and keeps the tokens. Throws UnauthorizedError (`invalid_credentials`) or RateLimitedError, and
   * SecondFactorRequiredError for a user with a second factor (then {@link GatehouseSession.loginSecondFactor}).
   */
  login(credentials: { readonly email: string; readonly password: string }): Promise<PublicUser>;
  /** Completes a login with the challenge of SecondFactorRequiredError and a TOTP or recovery code; keeps the tokens. */
  loginSecondFactor(input: { readonly challenge: string; readonly code: string }): Promise<PublicUser>;
  /**
   * Revokes the session on the server (access and refresh token) and forgets
   * the tokens. Proves the session with whichever credential still works: the
   * access token, or, once it has expired, the refresh token (body) or the
   * refresh cookie with the CSRF header. A session the server had already
   * ended is no error; a network or server failure is thrown after the
   * tokens are forgotten here.
   */
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

/** Sessions sharing a storage object without `exclusive` still take turns within this JavaScript context. */
const localLocks = new WeakMap<TokenStorage, <T>(task: () => Promise<T>) => Promise<T>>();

function exclusiveFor(storage: TokenStorage): <T>(task: () => Promise<T>) => Promise<T> {
  const own = storage.exclusive;
  if (own !== undefined) return <T>(task: () => Promise<T>) => own.call<TokenStorage, [() => Promise<T>], Promise<T>>(storage, task);
  let lock = localLocks.get(storage);
  if (lock === undefined) {
    lock = createLocalLock();
    localLocks.set(storage, lock);
  }
  return lock;
}

export function createGatehouseSession(transport: SessionTransport, options: SessionOptions = {}): GatehouseSession {
  const storage = options.storage ?? createMemoryTokenStorage();
  const delivery = options.refreshTokenDelivery ?? 'body';
  const now = options.now ?? Date.now;
  const marginMs = options.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS;
  let current: SessionTokens | undefined;
  let loaded = false;
  let generation = 0;
  let inflight: Promise<void> | undefined;
  const exclusive = exclusiveFor(storage);

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
          // The cookie proves the session to auth.refresh, and to auth.logout once the access token has expired.
          if ((op.path === 'auth.refresh' || op.path === 'auth.logout') && delivery === 'cookie') headers[CSRF_HEADER] = '1';
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

  /** Takes what the shared storage holds now: another session (another tab) may have refreshed or logged out. */
  function adopt(stored: SessionTokens | undefined): void {
    loaded = true;
    if (stored?.accessToken === current?.accessToken && stored?.refreshToken === current?.refreshToken) return;
    current = stored;
    generation += 1;
  }

  /**
   * Refreshes unless another session sharing the storage already replaced
   * `replacing`: the storage is re-read under the storage's lock, so a
   * refresh token another tab has spent is never presented again (that
   * would read as theft, and the server would end the session everywhere).
   */
  async function runRefresh(replacing: string | undefined): Promise<void> {
    await exclusive(async () => {
      const stored = await storage.load();
      adopt(stored);
      if (stored === undefined) return;
      if (stored.accessToken !== replacing && now() < stored.refreshAt) return;
      try {
        const input = delivery === 'cookie' ? {} : { refreshToken: stored.refreshToken ?? '' };
        await keep(await auth.auth.refresh.mutate(input), stored.refreshToken);
      } catch (error) {
        // A refused refresh token (revoked family, expired, reused) ends the session: the app logs in again.
        if (error instanceof UnauthorizedError) await forget();
        throw error;
      }
    });
  }

  function refresh(): Promise<void> {
    inflight ??= runRefresh(current?.accessToken).finally(() => {
      inflight = undefined;
    });
    return inflight;
  }

  return {
    async login(credentials) {
      const answer = await auth.auth.login.mutate({ ...credentials, refreshTokenDelivery: delivery });
      if (isSecondFactorChallenge(answer)) throw new SecondFactorRequiredError(answer);
      await keep(answer, undefined);
      return answer.user;
    },
    async loginSecondFactor(input) {
      // The refresh token's delivery was chosen at login and travels in the challenge.
      const grant = await auth.auth.loginSecondFactor.mutate(input);
      await keep(grant, undefined);
      return grant.user;
    },
    async logout() {
      await exclusive(async () => {
        // The newest tokens of the storage: another tab may have refreshed since this one last looked.
        adopt(await storage.load());
        const held = current;
        try {
          // In cookie mode the HttpOnly cookie proves the session even when this page holds no tokens (a reload
          // with memory storage): ask the server anyway, or the cookie would outlive the sign-out.
          if (held !== undefined || delivery === 'cookie') {
            await auth.auth.logout.mutate(held?.refreshToken === undefined ? undefined : { refreshToken: held.refreshToken });
          }
        } catch (error) {
          // 401: neither credential proves a session any more, so there is none left to end.
          if (!(error instanceof UnauthorizedError)) throw error;
        } finally {
          await forget();
        }
      });
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
