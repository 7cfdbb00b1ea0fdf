import { hash } from 'node:crypto';
import { createBoundedLru } from './bounded-lru.js';
import type { VerifiedAccessToken } from './verified-access-token.js';

/**
 * Access tokens whose signature and claims were verified, so a client's
 * repeat calls skip the signature check (ES256 verify is about 190 µs; a
 * lookup here about 2 µs, most of it the SHA-256).
 *
 * - Keyed by the SHA-256 of the token, never the token: a heap dump of the
 *   cache holds nothing a caller could present.
 * - Bounded: at most `maxEntries`, least recently used evicted first, so a
 *   flood of distinct (valid) tokens cannot grow the heap.
 * - Never past `exp`: an entry whose token has expired is dropped on lookup,
 *   and verification then fails exactly as it would have (expired_token).
 * - Revocation is not its business: it only remembers that a token is
 *   authentic; whether it was revoked is checked on every call after it.
 */
export interface VerifiedTokenCache {
  get(token: string): VerifiedAccessToken | undefined;
  set(token: string, verified: VerifiedAccessToken): void;
  readonly size: number;
  readonly maxEntries: number;
}

export interface VerifiedTokenCacheOptions {
  readonly maxEntries: number;
  readonly now?: () => number;
}

export function createVerifiedTokenCache(options: VerifiedTokenCacheOptions): VerifiedTokenCache {
  const nowMs = options.now ?? Date.now;
  const entries = createBoundedLru<VerifiedAccessToken>(options.maxEntries);

  return {
    get(token) {
      const key = keyOf(token);
      const verified = entries.get(key);
      if (verified === undefined) return undefined;
      // exp is in seconds (RFC 7519 section 4.1.4); the token is invalid from that second on.
      if (verified.expiresAt * 1000 <= nowMs()) {
        entries.delete(key);
        return undefined;
      }
      return verified;
    },
    set(token, verified) {
      if (verified.expiresAt * 1000 <= nowMs()) return;
      entries.set(keyOf(token), Object.freeze(verified));
    },
    get size() {
      return entries.size;
    },
    maxEntries: entries.maxEntries,
  };
}

/**
 * base64 of SHA-256: 44 characters, whatever the token's length. crypto.hash
 * (Node 20.12+) is the one-shot form: the same digest without a Hash object
 * per call, about a third of createHash's cost on short inputs.
 */
function keyOf(token: string): string {
  return hash('sha256', token, 'base64');
}
