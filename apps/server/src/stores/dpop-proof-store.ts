/**
 * The `jti` values of DPoP proofs already accepted (RFC 9449 section 11.1):
 * a proof is accepted once, so one captured on the wire cannot be replayed
 * within its `iat` window. Entries expire with that window.
 */
export interface DpopProofStore {
  /**
   * Records a proof id, in one atomic step: true the first time, false when
   * it was recorded before and has not expired (a replay). `key` already
   * names the key that signed the proof, so two clients' ids never collide.
   */
  claim(key: string, ttlMs: number): Promise<boolean>;
}
