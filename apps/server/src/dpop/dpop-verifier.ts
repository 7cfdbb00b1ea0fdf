import { createHash } from 'node:crypto';
import type { DpopProofStore } from '../stores/dpop-proof-store.js';
import { createDpopKeyCache, type DpopKeyCache } from './dpop-key-cache.js';
import { DPOP_ALGORITHMS, verifyDpopProof, type DpopProofRequest, type VerifiedDpopProof } from './dpop-proof.js';
import { DpopProofError } from './dpop-proof-error.js';
import type { DpopNonces } from './dpop-nonces.js';

/** How old a proof may be, and so how long its `jti` is remembered (RFC 9449 section 11.1). */
export const DPOP_PROOF_MAX_AGE_SECONDS = 60;
/** How far ahead of this server's clock a client's `iat` may be. */
export const DPOP_PROOF_MAX_SKEW_SECONDS = 10;

/** Where server nonces are required (GATEHOUSE_DPOP_NONCE): nowhere, at token issuance, or on every call. */
export type DpopNonceRequirement = 'off' | 'token' | 'all';

export interface DpopVerifier {
  /** The algorithms accepted, for metadata and `algs` in challenges. */
  readonly algorithms: readonly string[];
  readonly nonces: DpopNonces;
  /**
   * Every check of RFC 9449 section 4.3: the proof itself (dpop-proof.ts),
   * the server's nonce when `requireNonce` (or whenever the proof carries
   * one), and a `jti` seen before with the same key, refused as a replay.
   * Throws DpopProofError.
   */
  verify(request: DpopProofRequest & { readonly requireNonce: boolean }): Promise<VerifiedDpopProof>;
}

export interface DpopVerifierOptions {
  readonly proofs: DpopProofStore;
  readonly nonces: DpopNonces;
  /** Imported proof keys (dpop-key-cache.ts); a bounded one of DPOP_KEY_CACHE_SIZE by default. */
  readonly keys?: DpopKeyCache;
  readonly now?: () => number;
}

export function createDpopVerifier(options: DpopVerifierOptions): DpopVerifier {
  const { proofs, nonces } = options;
  const now = options.now ?? Date.now;
  const keys = options.keys ?? createDpopKeyCache();
  // A proof is refused once older than its window, so its id need not be remembered longer.
  const rememberMs = (DPOP_PROOF_MAX_AGE_SECONDS + DPOP_PROOF_MAX_SKEW_SECONDS) * 1000;
  return {
    algorithms: DPOP_ALGORITHMS,
    nonces,
    async verify(request) {
      const proof = await verifyDpopProof(request, {
        nowSeconds: Math.floor(now() / 1000),
        maxAgeSeconds: DPOP_PROOF_MAX_AGE_SECONDS,
        maxSkewSeconds: DPOP_PROOF_MAX_SKEW_SECONDS,
      }, keys);
      // A stale or foreign nonce is answered with a fresh one (sections 8 and 9), as is a missing one where required.
      if (proof.nonce !== undefined ? !nonces.isFresh(proof.nonce) : request.requireNonce) {
        throw new DpopProofError('use_dpop_nonce', 'The server requires its nonce in the DPoP proof');
      }
      // Last, so a proof refused for any other reason does not spend its id. Keyed by the signing key too: one
      // client cannot burn another's ids, and the hash bounds the key length whatever the jti.
      const id = createHash('sha256').update(proof.jkt).update('\0').update(proof.jti).digest('base64url');
      if (!(await proofs.claim(id, rememberMs))) throw new DpopProofError('invalid_dpop_proof', 'The DPoP proof was used before');
      return proof;
    },
  };
}
