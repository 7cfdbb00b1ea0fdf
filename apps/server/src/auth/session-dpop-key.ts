import type { IncomingHttpHeaders } from 'node:http';
import type { Config } from '../config.js';
import type { DpopVerifier } from '../dpop/dpop-verifier.js';
import { DpopProofError } from '../dpop/dpop-proof-error.js';
import { requestHtu } from '../dpop/htu.js';
import { failAuth } from '../errors/auth-failure-error.js';

/** What a session request's DPoP proof is checked with (a request context is one). */
export interface SessionRequest {
  readonly headers: IncomingHttpHeaders;
  readonly transport?: { readonly method: string; readonly url: string } | undefined;
  readonly deps: { readonly config: Pick<Config, 'issuer' | 'dpopNonce'>; readonly dpop: Pick<DpopVerifier, 'verify'> };
}

/**
 * The DPoP key a first-party session request (auth.login, auth.refresh)
 * proves with a `DPoP` header (RFC 9449 section 5, applied to Gatehouse's own
 * token issuance): its thumbprint binds the tokens issued, as at
 * /oauth/token. No header: undefined, Bearer tokens as before. A proof that
 * does not hold is a 401 `invalid_token` with detail `invalid_dpop_proof` (or
 * `use_dpop_nonce` under GATEHOUSE_DPOP_NONCE `token` or `all`, with the nonce
 * in `DPoP-Nonce`), before any password is checked.
 */
export async function provenSessionKey(ctx: SessionRequest): Promise<string | undefined> {
  const proof = ctx.headers.dpop;
  if (proof === undefined) return undefined;
  const { transport } = ctx;
  const htu = transport === undefined ? undefined : requestHtu(ctx.deps.config.issuer, transport.url);
  if (transport === undefined || htu === undefined) failAuth('invalid_token', undefined, { detail: 'invalid_dpop_proof' });
  try {
    const verified = await ctx.deps.dpop.verify({ proof, method: transport.method, htu, requireNonce: ctx.deps.config.dpopNonce !== 'off' });
    return verified.jkt;
  } catch (error) {
    if (error instanceof DpopProofError) failAuth('invalid_token', undefined, { detail: error.code });
    throw error;
  }
}
