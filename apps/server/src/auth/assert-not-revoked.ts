import { rethrowUnavailable } from '../errors/store-unavailable-error.js';
import type { VerifiedAccessToken } from '../tokens/verified-access-token.js';
import type { TokenRevocation } from '../tokens/token-revocation.js';
import { AuthFailureError } from '../errors/auth-failure-error.js';

/**
 * Refuses a verified access token that was revoked (logout, a revoked
 * family, a user's "not before"). If the store cannot answer, the request
 * fails with 503: a revocation check that fails open would let a logged-out
 * token back in whenever Redis blinks.
 */
export async function assertNotRevoked(revocation: TokenRevocation, token: VerifiedAccessToken): Promise<void> {
  const revoked = await revocation.isRevoked(token).catch(rethrowUnavailable);
  if (revoked) throw new AuthFailureError('revoked_token');
}
