import type { AuthErrorData } from '@gatehouse/contracts';
import { quotedString } from '../headers/quoted-string.js';

export const REALM = 'gatehouse';

/**
 * The RFC 6750 challenge for an auth failure, or undefined when none applies
 * (a 403 for a role has no Bearer vocabulary).
 * - no credential: `Bearer realm="gatehouse"` and no error (section 3.1)
 * - a credential that does not hold: `error="invalid_token"`
 * - missing scopes: 403 with `error="insufficient_scope", scope="…"` (section 3)
 * - a sign-in too old or too weak: `error="insufficient_user_authentication"` with
 *   `acr_values` and `max_age` (RFC 9470 section 3)
 */
export function wwwAuthenticateFor(auth: AuthErrorData): string | undefined {
  const params: Array<[string, string]> = [['realm', REALM]];
  switch (auth.reason) {
    case 'missing_credentials':
    case 'invalid_credentials':
      break;
    case 'invalid_token':
      params.push(['error', 'invalid_token'], ['error_description', 'The access token is invalid']);
      break;
    case 'expired_token':
      params.push(['error', 'invalid_token'], ['error_description', 'The access token expired']);
      break;
    case 'revoked_token':
      params.push(['error', 'invalid_token'], ['error_description', 'The credential was revoked']);
      break;
    case 'step_up_required':
      params.push(['error', 'insufficient_user_authentication'], ['error_description', stepUpDescription(auth)]);
      if (auth.stepUp?.acrValues !== undefined) params.push(['acr_values', auth.stepUp.acrValues.join(' ')]);
      if (auth.stepUp?.maxAge !== undefined) params.push(['max_age', String(auth.stepUp.maxAge)]);
      break;
    case 'insufficient_scope':
      params.push(['error', 'insufficient_scope'], ['scope', (auth.requiredScopes ?? []).join(' ')]);
      break;
    case 'forbidden_role':
      return undefined;
  }
  return `Bearer ${params.map(([name, value]) => `${name}=${quotedString(value)}`).join(', ')}`;
}

/** RFC 9470 section 3's examples: say which of the two the sign-in lacks. */
function stepUpDescription(auth: AuthErrorData): string {
  const { acrValues, maxAge } = auth.stepUp ?? {};
  if (acrValues !== undefined && maxAge !== undefined) return 'A recent sign-in with a second factor is required';
  if (acrValues !== undefined) return 'A sign-in with a second factor is required';
  return 'A more recent sign-in is required';
}

/** Details of a refusal about a DPoP proof or key (RFC 9449), answered with a `DPoP` challenge. */
const DPOP_DETAILS: ReadonlySet<string> = new Set(['invalid_dpop_proof', 'use_dpop_nonce', 'dpop_key_mismatch']);

/** Whether a 401 is answered with the `DPoP` scheme: the call used it, or the refusal is about DPoP. */
export function answersWithDpop(auth: AuthErrorData, authorization: string | undefined): boolean {
  return (auth.detail !== undefined && DPOP_DETAILS.has(auth.detail)) || /^dpop /i.test(authorization ?? '');
}

/**
 * RFC 9449 section 7.1: the `DPoP` challenge, with the algorithms proofs may
 * use (`algs`) and RFC 6750's error vocabulary plus `invalid_dpop_proof` and
 * `use_dpop_nonce`; a bound token without its key is `invalid_token`.
 */
export function dpopChallengeFor(auth: AuthErrorData, algorithms: readonly string[]): string {
  const params: Array<[string, string]> = [['realm', REALM]];
  if (auth.reason !== 'missing_credentials') {
    switch (auth.detail) {
      case 'invalid_dpop_proof':
        params.push(['error', 'invalid_dpop_proof'], ['error_description', 'The DPoP proof is invalid']);
        break;
      case 'use_dpop_nonce':
        params.push(['error', 'use_dpop_nonce'], ['error_description', 'Resource server requires nonce in DPoP proof']);
        break;
      case 'dpop_key_mismatch':
        params.push(['error', 'invalid_token'], ['error_description', 'Invalid DPoP key binding']);
        break;
      default:
        params.push(['error', 'invalid_token'], ['error_description', 'The access token is invalid']);
    }
  }
  params.push(['algs', algorithms.join(' ')]);
  return `DPoP ${params.map(([name, value]) => `${name}=${quotedString(value)}`).join(', ')}`;
}
