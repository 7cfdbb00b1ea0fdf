import type { OAuthClientStore } from '../stores/oauth-client-store.js';

/**
 * Whether an OAuth client's tokens are still accepted: the client is in the
 * store (seeded, or added with `pnpm gatehouse clients create`) and not
 * disabled. A disabled or removed client loses every token it was issued,
 * client_credentials and users' tokens alike, within `presenceTtlMs`.
 */
export interface ClientDirectory {
  /** Resolves false for an unknown or disabled client; store failures propagate (StoreUnavailableError). */
  has(clientId: string): Promise<boolean>;
}

export interface ClientDirectoryOptions {
  readonly store: Pick<OAuthClientStore, 'find'>;
  /**
   * How long a client found active is believed without asking the store
   * again: a busy service's calls cost no store read each, and a disable
   * holds within this window. Absence is never cached.
   */
  readonly presenceTtlMs?: number;
  /** Bound on remembered clients, so a flood of valid tokens cannot grow the heap. */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

export function createClientDirectory(options: ClientDirectoryOptions): ClientDirectory {
  const { store } = options;
  const presenceTtlMs = options.presenceTtlMs ?? 1000;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  // clientId -> when the store last said the client is active. Insertion order makes the first key the oldest check.
  const checkedAt = new Map<string, number>();
  return {
    async has(clientId) {
      const at = now();
      const lastSeen = checkedAt.get(clientId);
      if (lastSeen !== undefined && at - lastSeen < presenceTtlMs) return true;
      const client = await store.find(clientId);
      checkedAt.delete(clientId);
      if (client === undefined || client.disabledAt !== undefined) return false;
      checkedAt.set(clientId, at);
      if (checkedAt.size > maxEntries) {
        const oldest = checkedAt.keys().next();
        if (oldest.done !== true) checkedAt.delete(oldest.value);
      }
      return true;
    },
  };
}
