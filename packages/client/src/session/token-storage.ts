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
 *
 * Several sessions may share one storage (two tabs, two clients in one
 * process). Each re-reads it before refreshing, so none presents a refresh
 * token another has already spent (which the server must treat as theft and
 * answer by ending the session everywhere). `exclusive` makes that re-read and
 * the refresh one step across every session of the storage.
 */
export interface TokenStorage {
  load(): SessionTokens | undefined | Promise<SessionTokens | undefined>;
  save(tokens: SessionTokens): void | Promise<void>;
  clear(): void | Promise<void>;
  /**
   * Runs `task` while no other session sharing this storage runs one. A
   * storage shared across browsing contexts implements it with a lock they
   * share (Web Locks; see {@link createWebStorageTokenStorage}). Without it,
   * sessions of this JavaScript context that share the storage object still
   * take turns (an in-process lock per storage object).
   */
  exclusive?<T>(task: () => Promise<T>): Promise<T>;
}

/** Keeps tokens in this JavaScript context only: they end with the process or the page. */
export function createMemoryTokenStorage(): TokenStorage {
  let tokens: SessionTokens | undefined;
  const lock = createLocalLock();
  return {
    load: () => tokens,
    save(next) {
      tokens = next;
    },
    clear() {
      tokens = undefined;
    },
    exclusive: (task) => lock(task),
  };
}

/** The part of the Web Storage API a token storage needs (`localStorage`, or a stand-in in tests). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * The part of the Web Locks API (`navigator.locks`) a token storage needs:
 * `request` holds the named lock, across every tab of the origin, while the
 * callback's promise runs.
 */
export interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

/** Options of {@link createWebStorageTokenStorage}: tokens in Web Storage, shared by the origin's tabs under one lock. */
export interface WebStorageTokenStorageOptions {
  /** Where tokens live, shared by every tab of the origin (`localStorage`). */
  readonly storage: KeyValueStorage;
  /** The storage key, and the lock's name (default `gatehouse.session`). */
  readonly key?: string;
  /**
   * The lock shared by the tabs: `navigator.locks` by default where it
   * exists. Without one, tabs still re-read before refreshing, but two tabs
   * refreshing in the same instant could both present one refresh token.
   */
  readonly locks?: LockManagerLike | undefined;
}

/**
 * Tokens in Web Storage, shared by the tabs of one origin, refreshed under a
 * Web Lock so that one tab refreshes and the others pick up its tokens.
 * Meant for cookie delivery, where only the access token (short-lived) is
 * stored and the refresh token stays in the HttpOnly cookie.
 *
 * @example
 * ```ts
 * const client = createGatehouseClient({
 *   url: 'https://api.example.com',
 *   session: { refreshTokenDelivery: 'cookie', storage: createWebStorageTokenStorage({ storage: localStorage }) },
 * });
 * ```
 */
export function createWebStorageTokenStorage(options: WebStorageTokenStorageOptions): TokenStorage {
  const { storage } = options;
  const key = options.key ?? 'gatehouse.session';
  const locks = options.locks ?? globalWebLocks();
  const local = createLocalLock();
  return {
    load() {
      const raw = storage.getItem(key);
      return raw === null ? undefined : parseTokens(raw);
    },
    save(tokens) {
      storage.setItem(key, JSON.stringify(tokens));
    },
    clear() {
      storage.removeItem(key);
    },
    exclusive: (task) => (locks === undefined ? local(task) : locks.request(key, task)),
  };
}

/** A lock for one JavaScript context: tasks run one after another, in the order they asked. */
export function createLocalLock(): <T>(task: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return (task) => {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  };
}

function globalWebLocks(): LockManagerLike | undefined {
  const navigator = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator;
  return navigator?.locks;
}

/** Whatever another tab (or an older version) wrote: tokens only if every field has its type. */
function parseTokens(raw: string): SessionTokens | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { accessToken, expiresAt, refreshAt, refreshToken } = value as Record<string, unknown>;
  if (typeof accessToken !== 'string' || typeof expiresAt !== 'number' || typeof refreshAt !== 'number') return undefined;
  if (refreshToken !== undefined && typeof refreshToken !== 'string') return undefined;
  return { accessToken, expiresAt, refreshAt, refreshToken };
}
