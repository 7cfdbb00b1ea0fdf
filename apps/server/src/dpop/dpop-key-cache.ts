import { hash } from 'node:crypto';
import type { CryptoKey } from 'jose';
import { createBoundedLru } from '../tokens/bounded-lru.js';

/** The public key a proof header embeds, imported, and its RFC 7638 thumbprint (what `cnf.jkt` names). */
export interface ProofKey {
  readonly key: CryptoKey;
  readonly jkt: string;
}

/**
 * Proof keys already imported, so a client's every call does not import its
 * JWK and hash its thumbprint again (with them, a DPoP call cost about four
 * times a bearer call's CPU; README "Performance").
 *
 * Keyed by the SHA-256 of the proof's protected header exactly as sent, not by
 * the thumbprint alone: a client's header (typ, alg, jwk) is the same bytes on
 * every proof, and an identical header means the identical `jwk`, `alg`, `use`
 * and private members, so a hit skips nothing jose's EmbeddedJWK checked on
 * the miss (a thumbprint ignores all but the key's defining members). Only a
 * key whose proof verified is stored, and the map is bounded (least recently
 * used evicted), so proofs under throwaway keys cost misses, never memory.
 */
export interface DpopKeyCache {
  get(protectedHeader: string): ProofKey | undefined;
  set(protectedHeader: string, key: ProofKey): void;
  readonly size: number;
}

/** A few thousand live clients per process; each entry is a small key object and two short strings. */
export const DPOP_KEY_CACHE_SIZE = 4096;

export function createDpopKeyCache(maxEntries: number = DPOP_KEY_CACHE_SIZE): DpopKeyCache {
  const entries = createBoundedLru<ProofKey>(maxEntries);
  const keyOf = (protectedHeader: string) => hash('sha256', protectedHeader, 'base64');
  return {
    get: (protectedHeader) => entries.get(keyOf(protectedHeader)),
    set: (protectedHeader, key) => entries.set(keyOf(protectedHeader), key),
    get size() {
      return entries.size;
    },
  };
}
