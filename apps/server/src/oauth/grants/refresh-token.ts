import type { EventOrigin } from '../../audit/security-events.js';
import { grantableScopes, scopesOfRole } from '../../auth/scopes.js';
import type { Dependencies } from '../../dependencies.js';
import type { AuthenticatedClient } from '../client-authentication.js';
import { OAuthError } from '../oauth-error.js';
import type { TokenResponse } from '../token-response.js';
import { parseScopeOrThrow } from './client-credentials.js';

/**
 * RFC 6749 section 6, through the same rotation and reuse detection as
 * auth.refresh (tokens/refresh-tokens.ts): the refresh token rotates on every
 * use, and a spent one revokes its family and the family's access tokens.
 */
export async function refreshTokenGrant(
  deps: Pick<Dependencies, 'users' | 'accessTokens' | 'refreshTokens'>,
  authenticated: AuthenticatedClient,
  parameters: Readonly<Record<string, string>>,
  origin: EventOrigin,
): Promise<TokenResponse> {
  const { client } = authenticated;
  if (!client.grantTypes.includes('refresh_token')) throw new OAuthError('unauthorized_client', 'This client may not use refresh_token');
  const presented = parameters['refresh_token'];
  if (presented === undefined) throw new OAuthError('invalid_request', 'refresh_token is required');
  // Parse the scope before rotating: a malformed request must not spend the token.
  const narrowed = parseScopeOrThrow(parameters['scope']);

  const outcome = await deps.refreshTokens.rotate(presented, { clientId: client.clientId, origin });
  if (!outcome.ok) throw new OAuthError('invalid_grant', 'The refresh token is invalid, expired or revoked');
  const { family } = outcome;
  if (narrowed !== undefined && !narrowed.every((scope) => family.scopes.includes(scope))) {
    throw new OAuthError('invalid_scope', 'A refreshed token cannot carry scopes the grant did not');
  }
  const user = await deps.users.findById(family.userId);
  if (user === undefined) throw new OAuthError('invalid_grant', 'The refresh token is invalid, expired or revoked');
  const scopes = grantableScopes({ requested: narrowed ?? family.scopes, clientAllows: client.scopes, subjectHolds: scopesOfRole(user.role) });

  const access = await deps.accessTokens.issue({
    subject: user.id,
    clientId: client.clientId,
    scopes,
    grant: 'user',
    sessionId: family.familyId,
  });
  return {
    access_token: access.token,
    token_type: 'Bearer',
    expires_in: access.expiresIn,
    scope: access.scope,
    refresh_token: outcome.refreshToken.token,
  };
}
