/**
 * A bounded map whose entries are believed for `ttlMs`: the hot-path lookups (a user's role, an API key
 * by hash) skip PostgreSQL on most calls of a busy client. The store evicts an entry when it changes the
 * record, so this process sees its own changes at once; other processes hear of them through the
 * database (cache-invalidation-channel.ts), and `ttlMs` bounds what a read racing a write can leave
 * behind. Misses are never cached, and nothing
 * is served past its TTL when the database is down: that is a 503, not a stale answer.
 */
export interface LookupCache<TValue> {
  get(key: string): TValue | undefined;
  set(key: string, value: TValue): void;
  delete(key: string): void;
  clear(): void;
}

export interface LookupCacheOptions {
  readonly ttlMs: number;
  readonly maxEntries: number;
  readonly now?: () => number;
}

export function createLookupCache<TValue>(options: LookupCacheOptions): LookupCache<TValue> {
  const now = options.now ?? Date.now;
  // Insertion order makes the first key the oldest entry, evicted first when full.
  const entries = new Map<string, { value: TValue; expiresAt: number }>();
  return {
    get(key) {
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      if (entry.expiresAt <= now()) {
        entries.delete(key);
        return undefined;
      }
      return entry.value;
    },
    set(key, value) {
      if (options.ttlMs <= 0) return;
      entries.delete(key);
      entries.set(key, { value, expiresAt: now() + options.ttlMs });
      if (entries.size > options.maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done !== true) entries.delete(oldest.value);
      }
    },
    delete(key) {
      entries.delete(key);
    },
    clear() {
      entries.clear();
    },
  };
}
