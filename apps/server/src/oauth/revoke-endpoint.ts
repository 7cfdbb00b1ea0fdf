import type { FastifyInstance } from 'fastify';
import type { Dependencies } from '../dependencies.js';
import { normaliseIp } from '../client-ip.js';
import { readRefreshDelivery, REFRESH_TOKEN_DELIVERY_PARAMETER } from './browser-refresh-cookie.js';
import { OAuthError } from './oauth-error.js';
import { readFormParameters, sendNoStoreJson, sendOAuthError } from './oauth-reply.js';
import type { OAuthServices } from './oauth-services.js';
import { looksLikeRefreshToken } from '../tokens/refresh-tokens.js';

/**
 * POST /oauth/revoke (RFC 7009). A client may revoke only tokens issued to
 * it; anything else (unknown, expired, another client's) is answered 200
 * like a success, so the endpoint tells nobody which tokens exist (section 2.2).
 */
export function registerRevokeEndpoint(app: FastifyInstance, deps: Dependencies, oauth: OAuthServices): void {
  app.post('/oauth/revoke', async (request, reply) => {
    try {
      const parameters = readFormParameters(request.body);
      const { client } = await oauth.budgets.authenticate(request, reply, oauth.clients, parameters, { requireConfidential: false });
      // A browser app that keeps its refresh token in a cookie signs out by naming no token (browser-refresh-cookie.ts).
      const delivery = readRefreshDelivery(request.headers, client, parameters, deps.config);
      const token = delivery.parameters['token'] ?? delivery.cookieToken;
      delivery.clear(reply);
      // Signing out without a cookie: nothing to revoke, and nothing to tell apart from a success (section 2.2).
      if (token === undefined && parameters[REFRESH_TOKEN_DELIVERY_PARAMETER] === 'cookie') return sendNoStoreJson(reply, {});
      if (token === undefined) throw new OAuthError('invalid_request', 'token is required');
      const origin = { ip: normaliseIp(request.ip), requestId: request.id, principal: `client:${client.clientId}` };

      if (looksLikeRefreshToken(token)) {
        const state = await deps.refreshTokens.inspect(token);
        if (state !== undefined && state.family.clientId === client.clientId && (await deps.refreshTokens.revokeFamily(state.family.familyId))) {
          deps.events.emit('token.revoked', origin, { kind: 'refresh_token', familyId: state.family.familyId, clientId: client.clientId });
        }
      } else {
        const access = await deps.accessTokens.verify(token).catch(() => undefined);
        if (access !== undefined && access.clientId === client.clientId) {
          await deps.tokens.revokeAccessToken(access.jti, access.expiresAt);
          deps.events.emit('token.revoked', origin, { kind: 'access_token', jti: access.jti, clientId: client.clientId });
        }
      }
      return sendNoStoreJson(reply, {});
    } catch (error) {
      if (error instanceof OAuthError) return sendOAuthError(reply, error);
      throw error;
    }
  });
}
