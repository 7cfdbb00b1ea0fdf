import type { FastifyInstance } from 'fastify';
import type { Dependencies } from '../dependencies.js';
import { normaliseIp } from '../client-ip.js';
import { StoreUnavailableError } from '../errors/store-unavailable-error.js';
import { authorizationCodeGrant } from './grants/authorization-code.js';
import { clientCredentialsGrant } from './grants/client-credentials.js';
import { refreshTokenGrant } from './grants/refresh-token.js';
import { readRefreshDelivery, type RefreshDelivery } from './browser-refresh-cookie.js';
import { OAuthError } from './oauth-error.js';
import { readFormParameters, sendNoStoreJson, sendOAuthError } from './oauth-reply.js';
import type { OAuthServices } from './oauth-services.js';
import type { TokenResponse } from './token-response.js';
import { DpopNonceRequiredError, readTokenBinding } from './token-binding.js';
import { verifiedClientCertificate } from '../auth/client-certificate.js';

/** POST /oauth/token (RFC 6749 section 3.2): authenticate the client, then run its grant. */
export function registerTokenEndpoint(app: FastifyInstance, deps: Dependencies, oauth: OAuthServices): void {
  app.post('/oauth/token', async (request, reply) => {
    const origin = (clientId: string) => ({ ip: normaliseIp(request.ip), requestId: request.id, principal: `client:${clientId}` });
    let delivery: RefreshDelivery | undefined;
    try {
      const received = readFormParameters(request.body);
      const grantType = received['grant_type'];
      if (grantType === undefined) throw new OAuthError('invalid_request', 'grant_type is required');
      const authenticated = await oauth.budgets.authenticate(request, reply, oauth.clients, received, {
        requireConfidential: grantType === 'client_credentials',
      });
      // A browser app may keep its refresh token in an HttpOnly cookie instead of the body (browser-refresh-cookie.ts).
      delivery = readRefreshDelivery(request.headers, authenticated.client, received, deps.config);
      const { parameters } = delivery;
      // RFC 9449 (a DPoP proof) and RFC 8705 (the connection's client certificate): what the tokens will be bound to.
      const binding = await readTokenBinding(deps, request, verifiedClientCertificate(request.raw.socket), authenticated.client);
      let response: TokenResponse;
      switch (grantType) {
        case 'client_credentials':
          response = await clientCredentialsGrant(deps, authenticated, parameters, normaliseIp(request.ip), binding);
          break;
        case 'authorization_code':
          response = await authorizationCodeGrant(deps, oauth, authenticated, parameters, origin(authenticated.client.clientId), binding);
          break;
        case 'refresh_token':
          response = await refreshTokenGrant(deps, authenticated, parameters, origin(authenticated.client.clientId), binding);
          break;
        default:
          throw new OAuthError('unsupported_grant_type', 'Supported grant types: authorization_code, refresh_token, client_credentials');
      }
      return sendNoStoreJson(reply, delivery.deliver(reply, response));
    } catch (error) {
      if (error instanceof OAuthError) {
        if (error instanceof DpopNonceRequiredError) reply.header('dpop-nonce', error.nonce);
        delivery?.refused(reply, error);
        return sendOAuthError(reply, error);
      }
      if (error instanceof StoreUnavailableError) {
        return sendOAuthError(reply, new OAuthError('temporarily_unavailable', 'Try again shortly', { retryAfterSeconds: 1 }));
      }
      throw error;
    }
  });
}
