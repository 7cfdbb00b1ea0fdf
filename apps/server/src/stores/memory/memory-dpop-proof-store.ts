import type { DpopProofStore } from '../dpop-proof-store.js';

export interface MemoryDpopProofStoreOptions {
  readonly now?: () => number;
  /**
   * Ids remembered at most. Past it the oldest are dropped first: a flood of
   * proofs can cost a replay window for the oldest ids, never unbounded memory.
   */
  readonly maxEntries?: number;
}

export function createMemoryDpopProofStore(options: MemoryDpopProofStoreOptions = {}): DpopProofStore {
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 100_000;
  // Insertion order is expiry order closely enough: every entry of one server gets the same TTL.
  const expiries = new Map<string, number>();

  function evict(at: number): void {
    for (const [key, expiresAt] of expiries) {
      if (expiries.size <= maxEntries && expiresAt > at) break;
      expiries.delete(key);
    }
  }

  return {
    // Runs to completion without awaiting: atomic on the event loop.
    async claim(key, ttlMs) {
      const at = now();
      const expiresAt = expiries.get(key);
      if (expiresAt !== undefined && expiresAt > at) return false;
      expiries.delete(key);
      expiries.set(key, at + ttlMs);
      evict(at);
      return true;
    },
  };
}
