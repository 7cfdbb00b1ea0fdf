import { createHash } from 'node:crypto';
import { EmbeddedJWK, calculateJwkThumbprint, jwtVerify, type CryptoKey, type JWTPayload } from 'jose';
import type { DpopKeyCache } from './dpop-key-cache.js';
import { DpopProofError } from './dpop-proof-error.js';
import { normaliseHtu } from './htu.js';

/** RFC 9449 section 4.2: the `typ` of a DPoP proof. */
export const DPOP_PROOF_TYPE = 'dpop+jwt';

/**
 * Asymmetric algorithms accepted for proofs (advertised as
 * `dpop_signing_alg_values_supported`): ES256 first (what browsers' WebCrypto
 * and most clients use), EdDSA, and RSA with PSS or PKCS#1 v1.5 (jose refuses
 * RSA keys under 2048 bits). Never `none` or an HMAC: a proof proves a key pair.
 */
export const DPOP_ALGORITHMS = ['ES256', 'EdDSA', 'PS256', 'RS256'] as const;

export interface DpopProofRequest {
  /** The DPoP header as received (Node joins repeated headers, which is refused). */
  readonly proof: string | readonly string[] | undefined;
  /** The request's HTTP method, which `htm` must name. */
  readonly method: string;
  /** The normalised URL of the request (htu.ts), which `htu` must name. */
  readonly htu: string;
  /** On a resource call, the access token the proof must be about (`ath`). */
  readonly accessToken?: string | undefined;
}

export interface VerifiedDpopProof {
  /** RFC 7638 SHA-256 thumbprint of the proof's key: what `cnf.jkt` binds a token to. */
  readonly jkt: string;
  readonly jti: string;
  /** Seconds since the epoch. */
  readonly iat: number;
  readonly nonce: string | undefined;
}

export interface DpopProofTiming {
  readonly nowSeconds: number;
  /** How old a proof may be (RFC 9449 section 11.1: its window bounds the replay store). */
  readonly maxAgeSeconds: number;
  /** How far in the future `iat` may lie (clients' clocks drift). */
  readonly maxSkewSeconds: number;
}

/** Ids this long or shorter are accepted; RFC 9449 asks for 96 random bits, which base64url spells in 16 characters. */
const MAX_JTI_LENGTH = 256;
const MAX_PROOF_LENGTH = 8192;

const invalid = (description: string) => new DpopProofError('invalid_dpop_proof', description);

/** base64url(SHA-256(ASCII of the access token)): the `ath` of RFC 9449 section 4.2. */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest('base64url');
}

/**
 * The checks of RFC 9449 section 4.3 that need no state: one well-formed
 * JWT, typ `dpop+jwt`, an allowed asymmetric algorithm, a signature that
 * verifies with the public key in its `jwk` header (a private key there is
 * refused), `htm` and `htu` of this request, `iat` within the window, and
 * `ath` of the presented access token. Nonce and replay are the verifier's
 * (dpop-verifier.ts). With `keys`, a header seen before reuses its imported
 * key and thumbprint (dpop-key-cache.ts). Throws DpopProofError.
 */
export async function verifyDpopProof(request: DpopProofRequest, timing: DpopProofTiming, keys?: DpopKeyCache): Promise<VerifiedDpopProof> {
  const { proof } = request;
  if (proof === undefined || proof === '') throw invalid('A DPoP proof is required');
  // Node joins a repeated header with ", ", which a compact JWS never contains: two proofs name no single key.
  if (typeof proof !== 'string' || proof.includes(',')) throw invalid('Send exactly one DPoP proof');
  if (proof.length > MAX_PROOF_LENGTH) throw invalid('The DPoP proof is too large');

  const protectedHeader = proof.slice(0, Math.max(proof.indexOf('.'), 0));
  const cached = keys?.get(protectedHeader);
  let payload: JWTPayload;
  let jkt: string;
  // Imported once per header (the miss below); verifying the signature is never skipped.
  let imported: CryptoKey | undefined;
  try {
    const verified = await jwtVerify(
      proof,
      cached?.key ??
        (async (header, token) => {
          imported = await EmbeddedJWK(header, token);
          return imported;
        }),
      {
        typ: DPOP_PROOF_TYPE,
        algorithms: [...DPOP_ALGORITHMS],
        requiredClaims: ['jti', 'htm', 'htu', 'iat'],
        currentDate: new Date(timing.nowSeconds * 1000),
      },
    );
    payload = verified.payload;
    if (cached !== undefined) {
      jkt = cached.jkt;
    } else {
      const { jwk } = verified.protectedHeader;
      if (jwk === undefined || imported === undefined) throw invalid('The DPoP proof carries no key');
      jkt = await calculateJwkThumbprint(jwk, 'sha256');
    }
  } catch (error) {
    if (error instanceof DpopProofError) throw error;
    // jose's reason (bad typ, alg, signature, claims) stays in this process; the wire gets one sentence.
    throw invalid('The DPoP proof is not a valid dpop+jwt signed with its embedded key');
  }

  const { jti, iat } = payload;
  const { htm, htu, ath, nonce } = payload as Record<string, unknown>;
  if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) throw invalid('The DPoP proof has no usable jti');
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw invalid('The DPoP proof has no usable iat');
  if (htm !== request.method) throw invalid('The DPoP proof is for another HTTP method');
  if (typeof htu !== 'string' || normaliseHtu(htu) !== request.htu) throw invalid('The DPoP proof is for another URL');
  if (iat < timing.nowSeconds - timing.maxAgeSeconds) throw invalid('The DPoP proof is too old');
  if (iat > timing.nowSeconds + timing.maxSkewSeconds) throw invalid('The DPoP proof is issued in the future');
  if (nonce !== undefined && typeof nonce !== 'string') throw invalid('The DPoP proof has an unusable nonce');
  if (request.accessToken !== undefined && ath !== accessTokenHash(request.accessToken)) {
    throw invalid('The DPoP proof is not about the presented access token');
  }
  // Remembered only once the whole proof passed: a refused one leaves nothing behind.
  if (imported !== undefined) keys?.set(protectedHeader, { key: imported, jkt });
  return { jkt, jti, iat, nonce };
}
