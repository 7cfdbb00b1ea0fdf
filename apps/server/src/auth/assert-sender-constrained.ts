import type { IncomingHttpHeaders } from 'node:http';
import type { Config } from '../config.js';
import { DpopProofError } from '../dpop/dpop-proof-error.js';
import type { DpopVerifier } from '../dpop/dpop-verifier.js';
import { requestHtu } from '../dpop/htu.js';
import type { VerifiedClientCertificate } from './client-certificate.js';
import type { VerifiedAccessToken } from '../tokens/verified-access-token.js';
import { certificateThumbprint } from '../tokens/token-confirmation.js';
import { AuthFailureError } from '../errors/auth-failure-error.js';

/** The authorization scheme an access token came in: RFC 6750 `Bearer` or RFC 9449 `DPoP`. */
export type TokenScheme = 'Bearer' | 'DPoP';

/** What of the HTTP request a sender constraint is checked against. */
export interface CallTransport {
  readonly method: string;
  /** The request target as received (path and query). */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly certificate: VerifiedClientCertificate | undefined;
}

/**
 * Whether the caller holds what a sender-constrained token is bound to:
 * - `cnf.jkt` (RFC 9449 section 7): the token comes as `Authorization: DPoP`
 *   with a proof for this request and this token, signed by that key. As a
 *   Bearer token (section 7.2) or with another key's proof it is refused,
 *   `invalid_token` with detail `dpop_key_mismatch`; a proof that does not
 *   hold is `invalid_dpop_proof` (or `use_dpop_nonce`).
 * - `cnf["x5t#S256"]` (RFC 8705 section 3): the connection presents that
 *   certificate, else `invalid_token` with detail `certificate_mismatch`.
 * The DPoP scheme with an unbound token is refused too: it claims a binding
 * the token does not have.
 */
export async function assertSenderConstrained(
  deps: { readonly dpop: DpopVerifier; readonly config: Pick<Config, 'issuer' | 'dpopNonce'> },
  token: VerifiedAccessToken,
  presented: { readonly scheme: TokenScheme; readonly token: string },
  transport: CallTransport | undefined,
): Promise<void> {
  const boundKey = token.confirmation?.jkt;
  if (presented.scheme === 'DPoP' || boundKey !== undefined) {
    if (presented.scheme !== 'DPoP' || boundKey === undefined) throw new AuthFailureError('invalid_token', undefined, { detail: 'dpop_key_mismatch' });
    const htu = transport === undefined ? undefined : requestHtu(deps.config.issuer, transport.url);
    if (transport === undefined || htu === undefined) throw new AuthFailureError('invalid_token', undefined, { detail: 'invalid_dpop_proof' });
    let jkt: string;
    try {
      ({ jkt } = await deps.dpop.verify({
        proof: transport.headers.dpop,
        method: transport.method,
        htu,
        accessToken: presented.token,
        requireNonce: deps.config.dpopNonce === 'all',
      }));
    } catch (error) {
      if (error instanceof DpopProofError) throw new AuthFailureError('invalid_token', undefined, { detail: error.code });
      throw error;
    }
    if (jkt !== boundKey) throw new AuthFailureError('invalid_token', undefined, { detail: 'dpop_key_mismatch' });
  }
  const boundCertificate = token.confirmation?.['x5t#S256'];
  if (boundCertificate !== undefined) {
    const certificate = transport?.certificate;
    if (certificate === undefined || certificateThumbprint(certificate.fingerprint) !== boundCertificate) {
      throw new AuthFailureError('invalid_token', undefined, { detail: 'certificate_mismatch' });
    }
  }
}
