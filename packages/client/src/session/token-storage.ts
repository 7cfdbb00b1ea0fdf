/**
 * What a session keeps between calls. `refreshToken` is absent when the
 * server keeps it in an HttpOnly cookie (`refreshTokenDelivery: 'cookie'`).
 */
export interface SessionTokens {
  readonly accessToken: string;
  /** Epoch milliseconds at which the access token expires (client clock). */
  readonly expiresAt: number;
  /** Epoch milliseconds after which the session refreshes before calling. */
  readonly refreshAt: number;
  readonly refreshToken?: string | undefined;
}

/**
 * Where a session keeps its tokens. Memory by default; supply your own to
 * survive reloads (e.g. the OS keychain in a native app). In a browser,
 * prefer cookie delivery over putting a refresh token in localStorage,
 * which any script on the page, an XSS payload included, can read.
 */
export interface TokenStorage {
  load(): SessionTokens | undefined | Promise<SessionTokens | undefined>;
  save(tokens: SessionTokens): void | Promise<void>;
  clear(): void | Promise<void>;
}

/** Keeps tokens in this JavaScript context only: they end with the process or the page. */
export function createMemoryTokenStorage(): TokenStorage {
  let tokens: SessionTokens | undefined;
  return {
    load: () => tokens,
    save(next) {
      tokens = next;
    },
    clear() {
      tokens = undefined;
    },
  };
}
