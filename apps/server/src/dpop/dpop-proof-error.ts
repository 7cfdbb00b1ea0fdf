/**
 * Why a DPoP proof was refused, in RFC 9449's error vocabulary:
 * `invalid_dpop_proof` (sections 5 and 7.1) for a proof that does not hold,
 * `use_dpop_nonce` (sections 8 and 9) when the server wants its nonce in the
 * proof. The description is a fixed sentence: it never echoes the proof.
 */
export class DpopProofError extends Error {
  constructor(
    readonly code: 'invalid_dpop_proof' | 'use_dpop_nonce',
    readonly description: string,
  ) {
    super(description);
    this.name = 'DpopProofError';
  }
}
