import { ACR_VALUES, buildAuthorizationManifest, contracts, scopesSupported } from '@gatehouse/contracts';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { DPOP_ALGORITHMS } from '../dpop/dpop-proof.js';

export const OAUTH_PATHS = {
  authorize: '/oauth/authorize',
  token: '/oauth/token',
  revoke: '/oauth/revoke',
  introspect: '/oauth/introspect',
  jwks: '/.well-known/jwks.json',
} as const;

const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post'] as const;

/**
 * The scopes both metadata documents advertise: the authorization manifest's,
 * the same list `pnpm manifest` commits and reviewers sign off.
 */
const SCOPES_SUPPORTED = scopesSupported(buildAuthorizationManifest(contracts));

/** RFC 8414 authorization server metadata, derived from config: nothing here is hand-maintained twice. */
export function authorizationServerMetadata(config: Pick<Config, 'issuer'>) {
  const at = (path: string) => `${config.issuer}${path}`;
  return {
    issuer: config.issuer,
    authorization_endpoint: at(OAUTH_PATHS.authorize),
    token_endpoint: at(OAUTH_PATHS.token),
    jwks_uri: at(OAUTH_PATHS.jwks),
    revocation_endpoint: at(OAUTH_PATHS.revoke),
    introspection_endpoint: at(OAUTH_PATHS.introspect),
    scopes_supported: [...SCOPES_SUPPORTED],
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS, 'none'],
    revocation_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS, 'none'],
    introspection_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
    authorization_response_iss_parameter_supported: true,
    // OpenID Connect Discovery 1.0 (registered by RFC 8414 section 7.1.2): what acr_values may ask for at authorize.
    acr_values_supported: [...ACR_VALUES],
    // RFC 9449 section 5.1: DPoP proofs are accepted at the token endpoint, with these algorithms.
    dpop_signing_alg_values_supported: [...DPOP_ALGORITHMS],
    // RFC 8705 section 3.3: a confidential client presenting a client certificate gets certificate-bound tokens.
    tls_client_certificate_bound_access_tokens: true,
  };
}

/** RFC 9728 protected resource metadata: the API, which authorization server it trusts, which scopes it knows. */
export function protectedResourceMetadata(config: Pick<Config, 'issuer' | 'audience'>) {
  return {
    resource: config.audience,
    authorization_servers: [config.issuer],
    jwks_uri: `${config.issuer}${OAUTH_PATHS.jwks}`,
    scopes_supported: [...SCOPES_SUPPORTED],
    bearer_methods_supported: ['header'],
    // RFC 9728 section 2: proofs of DPoP-bound tokens are checked with these algorithms; certificate-bound tokens too.
    dpop_signing_alg_values_supported: [...DPOP_ALGORITHMS],
    tls_client_certificate_bound_access_tokens: true,
    resource_name: 'Gatehouse API',
  };
}

export function registerMetadataRoutes(app: FastifyInstance, config: Config): void {
  const authorizationServer = authorizationServerMetadata(config);
  const protectedResource = protectedResourceMetadata(config);
  app.get('/.well-known/oauth-authorization-server', async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=300');
    return authorizationServer;
  });
  app.get('/.well-known/oauth-protected-resource', async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=300');
    return protectedResource;
  });
}
