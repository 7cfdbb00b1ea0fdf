import type { Dependencies } from '../../dependencies.js';
import { parseScopeParameter } from '../authorize-request.js';
import type { AuthenticatedClient } from '../authenticate-client.js';
import { OAuthError } from '../oauth-error.js';
import type { TokenResponse } from '../token-response.js';
import type { TokenBinding } from '../token-binding.js';

/**
 * RFC 6749 section 4.4: a confidential client gets an access token for
 * itself, no refresh token. Its scopes are what it asked for (everything it
 * may have when it asked for nothing), narrowed to what it may have.
 */
export async function clientCredentialsGrant(
  deps: Pick<Dependencies, 'accessTokens'>,
  authenticated: AuthenticatedClient,
  parameters: Readonly<Record<string, string>>,
  /** The client address the token is issued to (its network is recorded, and pinned if the client says so). */
  ip: string,
  binding: TokenBinding,
): Promise<TokenResponse> {
  const { client } = authenticated;
  if (client.type !== 'confidential' || !client.grantTypes.includes('client_credentials')) {
    throw new OAuthError('unauthorized_client', 'This client may not use client_credentials');
  }
  const requested = parseScopeOrThrow(parameters['scope']);
  const scopes = requested === undefined ? [...client.scopes] : requested.filter((scope) => client.scopes.includes(scope));
  if (scopes.length === 0) throw new OAuthError('invalid_scope', 'None of the requested scopes can be granted to this client');
  const access = await deps.accessTokens.issue({
    subject: client.clientId,
    clientId: client.clientId,
    scopes,
    grant: 'client_credentials',
    issuedTo: { ip, pinned: client.pinNetwork },
    confirmation: binding.confirmation,
  });
  return { access_token: access.token, token_type: binding.jkt === undefined ? 'Bearer' : 'DPoP', expires_in: access.expiresIn, scope: access.scope };
}

export function parseScopeOrThrow(scope: string | undefined) {
  try {
    return parseScopeParameter(scope);
  } catch {
    throw new OAuthError('invalid_scope', 'The request names a scope this server does not have');
  }
}
