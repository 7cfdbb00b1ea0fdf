import type { IncomingHttpHeaders } from 'node:http';
import { TRPCError } from '@trpc/server';
import { looksLikeApiKey } from '../apikeys/key-format.js';
import type { Config } from '../config.js';
import type { DpopVerifier } from '../dpop/dpop-verifier.js';
import type { Metrics } from '../metrics/create-metrics.js';
import type { AccessTokens } from '../tokens/access-tokens.js';
import type { TokenRevocation } from '../tokens/token-revocation.js';
import type { ServiceDirectory } from './service-directory.js';
import type { PrincipalPresence } from './principal-presence.js';
import type { TokenNetworkCheck } from './token-network.js';
import { withFailedAuthBudget, type RefusalContext } from '../ratelimit/refusal-budgets.js';
import type { VerifiedClientCertificate } from './client-certificate.js';
import { assertNotRevoked } from './assert-not-revoked.js';
import { AuthFailureError } from '../errors/auth-failure-error.js';
import { authenticateApiKey, type ApiKeyAuthenticationServices } from './authenticate-api-key.js';
import type { Principal } from './principal.js';
import type { CallOrigin } from './token-network.js';
import { assertSenderConstrained, type CallTransport, type TokenScheme } from './assert-sender-constrained.js';

/**
 * RFC 6750 section 2.1: `Bearer` (any case), one space or more, then a b64token;
 * RFC 9449 section 7.1: `DPoP` the same way, for a DPoP-bound token.
 */
const TOKEN_SCHEME = /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*)$/i;

export type PresentedCredential =
  | { readonly type: 'none' }
  | { readonly type: 'bearer'; readonly token: string; readonly scheme: TokenScheme }
  | { readonly type: 'api_key'; readonly key: string };

/** RFC 6750 section 3.1 invalid_request: a request that carries more than one credential names no single caller. */
function refuseSecondCredential(): never {
  throw new TRPCError({
    code: 'BAD_REQUEST',
    message: 'Send one credential: an Authorization header, an X-API-Key header or a client certificate, not several',
  });
}

/** Reads the credential a request presents, without judging it. A malformed header is an invalid token. */
export function readCredential(headers: IncomingHttpHeaders): PresentedCredential {
  const authorization = headers.authorization;
  const apiKey = headers['x-api-key'];
  if (apiKey !== undefined && apiKey !== '') {
    if (authorization !== undefined && authorization !== '') refuseSecondCredential();
    // Node joins repeated X-API-Key headers with ", ": that is never one key, and fails the format check.
    return { type: 'api_key', key: Array.isArray(apiKey) ? apiKey.join(', ') : apiKey };
  }
  if (authorization === undefined || authorization === '') return { type: 'none' };
  const match = TOKEN_SCHEME.exec(authorization);
  if (match?.[1] === undefined || match[2] === undefined) throw new AuthFailureError('invalid_token');
  const scheme: TokenScheme = match[1].toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer';
  // Told apart by prefix: API keys start gk_, access tokens (JWS compact) start eyJ. An API key is never DPoP-bound.
  if (looksLikeApiKey(match[2])) {
    if (scheme === 'DPoP') throw new AuthFailureError('invalid_token');
    return { type: 'api_key', key: match[2] };
  }
  return { type: 'bearer', token: match[2], scheme };
}

/** The services authentication consults, and nothing else of the server's. */
export interface AuthenticationServices extends ApiKeyAuthenticationServices {
  readonly config: Pick<Config, 'issuer' | 'dpopNonce'>;
  readonly accessTokens: Pick<AccessTokens, 'verify'>;
  readonly services: Pick<ServiceDirectory, 'byFingerprint'>;
  readonly revocation: TokenRevocation;
  readonly metrics: Pick<Metrics, 'credentialChecks'>;
  readonly principals: Pick<PrincipalPresence, 'assertPresent'>;
  readonly tokenNetworks: Pick<TokenNetworkCheck, 'check'>;
  readonly dpop: DpopVerifier;
}

/**
 * Turns a request's credential into a principal, or undefined when none was
 * presented. Throws AuthFailureError (401) for a credential that does not hold.
 * Given the request (`ctx`), a presented credential is verified under the
 * IP's failed-auth budget (ratelimit/refusal-budgets.ts): once it is spent,
 * 429 before any signature check or key lookup.
 */
export function createAuthenticator(deps: AuthenticationServices) {
  /**
   * `request` (method and target) is what DPoP proofs are checked against;
   * without it a DPoP-bound token is refused.
   */
  async function authenticate(
    headers: IncomingHttpHeaders,
    certificate?: VerifiedClientCertificate,
    ctx?: RefusalContext,
    request?: { readonly method: string; readonly url: string },
  ): Promise<Principal | undefined> {
    // Named fields, not a spread of `request`: V8 defines properties added after a spread on the slow path (about 3 µs).
    const transport = request === undefined ? undefined : { method: request.method, url: request.url, headers, certificate };
    if (ctx !== undefined && ((headers.authorization ?? '') !== '' || (headers['x-api-key'] ?? '') !== '')) {
      return withFailedAuthBudget(ctx, () => verifyPresented(headers, certificate, ctx, transport), (error) => error instanceof AuthFailureError);
    }
    return verifyPresented(headers, certificate, ctx, transport);
  }

  async function verifyPresented(
    headers: IncomingHttpHeaders,
    certificate: VerifiedClientCertificate | undefined,
    origin: CallOrigin | undefined,
    transport: CallTransport | undefined,
  ): Promise<Principal | undefined> {
    const credential = readCredential(headers);
    // Only a verified certificate of a seeded service is an identity; any other certificate is ignored.
    const service = certificate === undefined ? undefined : deps.services.byFingerprint(certificate.fingerprint);
    if (service !== undefined) {
      if (credential.type !== 'none') refuseSecondCredential();
      return { kind: 'service', id: service.name, scopes: service.scopes, credential: { type: 'certificate', fingerprint: service.certSha256 } };
    }
    if (credential.type === 'none') return undefined;
    deps.metrics.credentialChecks.inc({ credential: credential.type });
    if (credential.type === 'api_key') return authenticateApiKey(deps, credential.key);
    const token = await deps.accessTokens.verify(credential.token);
    await assertNotRevoked(deps.revocation, token);
    await deps.principals.assertPresent(token);
    // RFC 9449 and RFC 8705: a bound token works only with its key's proof, or over its certificate's connection.
    await assertSenderConstrained(deps, token, credential, transport);
    // Token-theft signal (auth/token-network.ts): logs a moved token, refuses a moved pinned one.
    const network = deps.tokenNetworks.check(token, origin);
    const proof = { type: 'access_token', jti: token.jti, clientId: token.clientId, expiresAt: token.expiresAt, sessionId: token.sessionId, network, authentication: token.authentication } as const;
    if (token.grant === 'client_credentials') {
      return { kind: 'client', id: token.clientId, scopes: token.scopes, credential: proof };
    }
    return { kind: 'user', userId: token.subject, scopes: token.scopes, credential: proof };
  }

  return authenticate;
}

export type Authenticate = ReturnType<typeof createAuthenticator>;
