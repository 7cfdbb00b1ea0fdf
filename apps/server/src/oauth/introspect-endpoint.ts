import type { FastifyInstance } from 'fastify';
import type { Dependencies } from '../dependencies.js';
import { StoreUnavailableError } from '../stores/store-unavailable-error.js';
import { OAuthError } from './oauth-error.js';
import { readFormParameters, sendNoStoreJson, sendOAuthError } from './oauth-reply.js';
import type { OAuthServices } from './oauth-services.js';
import { looksLikeRefreshToken } from '../tokens/refresh-tokens.js';

const INACTIVE = { active: false } as const;

/**
 * POST /oauth/introspect (RFC 7662) for resource servers. Any authenticated
 * confidential client may ask about any token; the answer is `active: false`
 * for anything expired, revoked, spent or unknown, with no reason given
 * (section 2.2), and the full claims otherwise.
 */
export function registerIntrospectEndpoint(app: FastifyInstance, deps: Dependencies, oauth: OAuthServices): void {
  app.post('/oauth/introspect', async (request, reply) => {
    try {
      const parameters = readFormParameters(request.body);
      await oauth.budgets.authenticate(request, reply, oauth.clients, parameters, { requireConfidential: true });
      const token = parameters['token'];
      if (token === undefined) throw new OAuthError('invalid_request', 'token is required');
      return sendNoStoreJson(reply, looksLikeRefreshToken(token) ? await introspectRefreshToken(token) : await introspectAccessToken(token));
    } catch (error) {
      if (error instanceof OAuthError) return sendOAuthError(reply, error);
      // Revocation state lives in the store: without it, "active" cannot be answered honestly.
      if (error instanceof StoreUnavailableError) {
        return sendOAuthError(reply, new OAuthError('temporarily_unavailable', 'Try again shortly', { retryAfterSeconds: 1 }));
      }
      throw error;
    }
  });

  async function introspectAccessToken(token: string) {
    const access = await deps.accessTokens.verify(token).catch(() => undefined);
    if (access === undefined || (await deps.revocation.isRevoked(access))) return INACTIVE;
    return {
      active: true,
      token_type: 'Bearer',
      scope: access.scopes.join(' '),
      client_id: access.clientId,
      sub: access.subject,
      exp: access.expiresAt,
      iat: access.issuedAt,
      jti: access.jti,
      iss: deps.config.issuer,
      aud: deps.config.audience,
    };
  }

  async function introspectRefreshToken(token: string) {
    const state = await deps.refreshTokens.inspect(token);
    if (state === undefined || !state.active) return INACTIVE;
    const { family } = state;
    return {
      active: true,
      token_type: 'refresh_token',
      scope: family.scopes.join(' '),
      client_id: family.clientId,
      sub: family.userId,
      exp: Math.floor(family.expiresAtMs / 1000),
      iss: deps.config.issuer,
    };
  }
}
