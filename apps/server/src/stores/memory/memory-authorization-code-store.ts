import type {
  AuthorizationCodeGrant,
  AuthorizationCodeStore,
  CodeRedemption,
  IssuedForCode,
} from '../authorization-code-store.js';

interface Entry {
  readonly grant: AuthorizationCodeGrant;
  redeemed: boolean;
  replayed: boolean;
  issued: IssuedForCode | undefined;
  expiresAt: number;
}

export interface MemoryAuthorizationCodeStoreOptions {
  readonly now?: () => number;
  /** Pending codes kept at most; the oldest are dropped first (codes live a minute anyway). */
  readonly maxEntries?: number;
}

export function createMemoryAuthorizationCodeStore(options: MemoryAuthorizationCodeStoreOptions = {}): AuthorizationCodeStore {
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 100_000;
  const entries = new Map<string, Entry>();

  function live(codeHash: string): Entry | undefined {
    const entry = entries.get(codeHash);
    if (entry !== undefined && entry.expiresAt <= now()) {
      entries.delete(codeHash);
      return undefined;
    }
    return entry;
  }

  function evictOverflow(): void {
    for (const [key, entry] of entries) {
      if (entries.size <= maxEntries && entry.expiresAt > now()) break;
      entries.delete(key);
    }
  }

  // Each method runs to completion without awaiting, so each is atomic on the event loop.
  return {
    async save(codeHash, grant, ttlSeconds) {
      entries.set(codeHash, { grant, redeemed: false, replayed: false, issued: undefined, expiresAt: now() + ttlSeconds * 1000 });
      evictOverflow();
    },
    async redeem(codeHash, rememberSeconds): Promise<CodeRedemption> {
      const entry = live(codeHash);
      if (entry === undefined) return { status: 'unknown' };
      if (entry.redeemed) return { status: 'reused', grant: entry.grant };
      entry.redeemed = true;
      entry.expiresAt = Math.max(entry.expiresAt, now() + rememberSeconds * 1000);
      return { status: 'valid', grant: entry.grant };
    },
    async recordIssued(codeHash, issued) {
      const entry = live(codeHash);
      if (entry === undefined || entry.replayed) return 'replayed';
      entry.issued = issued;
      return 'recorded';
    },
    async markReplayed(codeHash) {
      const entry = live(codeHash);
      if (entry === undefined) return undefined;
      entry.replayed = true;
      return entry.issued;
    },
  };
}
