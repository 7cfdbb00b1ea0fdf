import type { IncomingHttpHeaders } from 'node:http';
import type { Dependencies } from '../dependencies.js';
import { DpopProofError } from '../dpop/dpop-proof-error.js';
import { requestHtu } from '../dpop/htu.js';
import type { VerifiedClientCertificate } from '../auth/client-certificate.js';
import { certificateThumbprint, type TokenConfirmation } from '../tokens/token-confirmation.js';
import type { OAuthClient } from './client-registry.js';
import { OAuthError } from './oauth-error.js';

/** What a token request proves the client holds, and so what the tokens it gets are bound to. */
export interface TokenBinding {
  /** The `cnf` of the access tokens issued; undefined: Bearer tokens. */
  readonly confirmation: TokenConfirmation | undefined;
  /** The DPoP key proved (RFC 9449 section 5), if any: `token_type` is then `DPoP`. */
  readonly jkt: string | undefined;
}

/** An OAuthError that carries the nonce the client must sign its next proof with (RFC 9449 section 8). */
export class DpopNonceRequiredError extends OAuthError {
  constructor(readonly nonce: string) {
    super('use_dpop_nonce', 'Authorization server requires nonce in DPoP proof');
  }
}

/**
 * Reads the sender constraints of a token request:
 * - a `DPoP` header (RFC 9449 section 5): a proof for POST to this token
 *   endpoint, checked like every proof (nonce under GATEHOUSE_DPOP_NONCE
 *   `token` or `all`, replay); a bad one is `invalid_dpop_proof`, a missing
 *   nonce `use_dpop_nonce` (both 400);
 * - a verified client certificate on the connection of a confidential client
 *   (RFC 8705 section 3): its SHA-256 thumbprint binds the access tokens.
 */
export async function readTokenBinding(
  deps: Pick<Dependencies, 'dpop' | 'config'>,
  request: { readonly method: string; readonly url: string; readonly headers: IncomingHttpHeaders },
  certificate: VerifiedClientCertificate | undefined,
  client: OAuthClient,
): Promise<TokenBinding> {
  let jkt: string | undefined;
  if (request.headers.dpop !== undefined) {
    const htu = requestHtu(deps.config.issuer, request.url);
    if (htu === undefined) throw new OAuthError('invalid_dpop_proof', 'The DPoP proof is for another URL');
    try {
      ({ jkt } = await deps.dpop.verify({ proof: request.headers.dpop, method: request.method, htu, requireNonce: deps.config.dpopNonce !== 'off' }));
    } catch (error) {
      if (!(error instanceof DpopProofError)) throw error;
      if (error.code === 'use_dpop_nonce') throw new DpopNonceRequiredError(deps.dpop.nonces.current());
      throw new OAuthError('invalid_dpop_proof', error.description);
    }
  }
  const x5t = client.type === 'confidential' && certificate !== undefined ? certificateThumbprint(certificate.fingerprint) : undefined;
  const confirmation: TokenConfirmation | undefined =
    jkt === undefined && x5t === undefined ? undefined : { ...(jkt === undefined ? {} : { jkt }), ...(x5t === undefined ? {} : { 'x5t#S256': x5t }) };
  return { confirmation, jkt };
}
