/**
 * A map that never holds more than `maxEntries`, evicting the least recently
 * used first, so a flood of distinct keys cannot grow the heap. What it
 * holds and for how long is its owner's business: the verified-token cache
 * (tokens/verified-token-cache.ts) adds expiry, the DPoP key cache
 * (dpop/dpop-key-cache.ts) holds imported proof keys.
 */
export interface BoundedLru<TValue> {
  /** The value, now the most recently used; undefined when absent. */
  get(key: string): TValue | undefined;
  set(key: string, value: TValue): void;
  delete(key: string): void;
  /** Forgets every entry. */
  clear(): void;
  readonly size: number;
  readonly maxEntries: number;
}

export function createBoundedLru<TValue>(maxEntries: number): BoundedLru<TValue> {
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
  // A Map iterates in insertion order: re-inserting on a hit keeps the least recently used first.
  const entries = new Map<string, TValue>();
  // The most recently used key: a hit on it (a busy client's repeat calls) moves nothing. Moving costs a
  // delete and a set, and a Map whose few entries keep moving rebuilds its table every other move.
  let newest: string | undefined;
  return {
    get(key) {
      const value = entries.get(key);
      if (value === undefined || key === newest) return value;
      entries.delete(key);
      entries.set(key, value);
      newest = key;
      return value;
    },
    set(key, value) {
      entries.delete(key);
      entries.set(key, value);
      newest = key;
      if (entries.size > maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done !== true) entries.delete(oldest.value);
      }
    },
    delete(key) {
      entries.delete(key);
      if (key === newest) newest = undefined;
    },
    clear() {
      entries.clear();
      newest = undefined;
    },
    get size() {
      return entries.size;
    },
    maxEntries,
  };
}
