import type { EventOrigin } from '../../audit/security-events.js';
import { grantableScopes, scopesOfRole } from '../../auth/scopes.js';
import type { Dependencies } from '../../dependencies.js';
import type { AuthenticatedClient } from '../authenticate-client.js';
import { OAuthError } from '../oauth-error.js';
import type { TokenResponse } from '../token-response.js';
import type { TokenBinding } from '../token-binding.js';
import { parseScopeOrThrow } from './client-credentials.js';
import { isActiveUser } from '../../stores/user-store.js';

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
  binding: TokenBinding,
): Promise<TokenResponse> {
  const { client } = authenticated;
  if (!client.grantTypes.includes('refresh_token')) throw new OAuthError('unauthorized_client', 'This client may not use refresh_token');
  const presented = parameters['refresh_token'];
  if (presented === undefined) throw new OAuthError('invalid_request', 'refresh_token is required');
  // Everything that can refuse the request is checked before rotating: a refused request must not
  // spend the token, or the client's retry with it would look like reuse and end the whole family.
  const narrowed = parseScopeOrThrow(parameters['scope']);
  const state = await deps.refreshTokens.inspect(presented);
  if (state === undefined) throw new OAuthError('invalid_grant', 'The refresh token is invalid, expired or revoked');
  // RFC 9449 section 5: a bound refresh token refreshes only with a proof of its key; refused unspent otherwise.
  if (state.family.jkt !== undefined && binding.jkt === undefined) {
    throw new OAuthError('invalid_dpop_proof', 'This refresh token is bound to a DPoP key: send a DPoP proof');
  }
  if (state.family.jkt !== undefined && binding.jkt !== state.family.jkt) {
    throw new OAuthError('invalid_grant', 'The refresh token is bound to another DPoP key');
  }
  if (narrowed !== undefined && !narrowed.every((scope) => state.family.scopes.includes(scope))) {
    throw new OAuthError('invalid_scope', 'A refreshed token cannot carry scopes the grant did not');
  }
  const user = await deps.users.findById(state.family.userId);
  if (!isActiveUser(user)) throw new OAuthError('invalid_grant', 'The refresh token is invalid, expired or revoked');
  const scopes = grantableScopes({ requested: narrowed ?? state.family.scopes, clientAllows: client.scopes, subjectHolds: scopesOfRole(user.role) });
  if (scopes.length === 0) throw new OAuthError('invalid_scope', 'None of the granted scopes can still be issued');

  // The rotation itself stays the one atomic step that decides (reuse, revocation, client binding).
  const outcome = await deps.refreshTokens.rotate(presented, { clientId: client.clientId, origin });
  if (!outcome.ok) throw new OAuthError('invalid_grant', 'The refresh token is invalid, expired or revoked');
  const { family } = outcome;

  const access = await deps.accessTokens.issue({
    subject: user.id,
    clientId: client.clientId,
    scopes,
    grant: 'user',
    sessionId: family.familyId,
    notAfter: outcome.refreshToken.expiresAt,
    issuedTo: { ip: origin.ip, pinned: client.pinNetwork },
    // The family's sign-in: a refresh never makes it stronger or more recent.
    authentication: family.authentication,
    confirmation: binding.confirmation,
  });
  return {
    access_token: access.token,
    token_type: binding.jkt === undefined ? 'Bearer' : 'DPoP',
    expires_in: access.expiresIn,
    scope: access.scope,
    refresh_token: outcome.refreshToken.token,
  };
}
