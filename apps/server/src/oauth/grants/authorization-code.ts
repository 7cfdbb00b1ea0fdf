import type { EventOrigin } from '../../audit/security-events.js';
import { grantableScopes, scopesOfRole } from '../../auth/scopes.js';
import type { Dependencies } from '../../dependencies.js';
import type { AuthorizationCodeGrant } from '../../stores/authorization-code-store.js';
import type { AuthenticatedClient } from '../authenticate-client.js';
import { OAuthError } from '../oauth-error.js';
import type { OAuthServices } from '../oauth-services.js';
import { hashOpaqueToken } from '../hash-opaque-token.js';
import { verifyCodeVerifier } from '../pkce.js';
import type { TokenResponse } from '../token-response.js';
import type { TokenBinding } from '../token-binding.js';
import { isActiveUser } from '../../stores/user-store.js';

/** How long a redeemed code is remembered, so a replay can still revoke what it issued. */
const REMEMBER_REDEEMED_CODE_SECONDS = 600;

const invalidGrant = () => new OAuthError('invalid_grant', 'The authorization code is invalid, expired or was issued to another client');

/**
 * RFC 6749 section 4.1.3: a redirect_uri named in the authorization request must be named again,
 * identical; one left out there (only one registered) may be left out here or named identically.
 */
function redirectUriAgrees(grant: AuthorizationCodeGrant, presented: string | undefined): boolean {
  return presented === undefined ? grant.redirectUriOmitted === true : presented === grant.redirectUri;
}

/**
 * RFC 6749 section 4.1.3 with PKCE (RFC 7636): the code must be unused and
 * bound to this client, this redirect URI and this code_verifier. A code
 * presented twice revokes everything it issued (section 4.1.2).
 */
export async function authorizationCodeGrant(
  deps: Pick<Dependencies, 'users' | 'accessTokens' | 'refreshTokens' | 'events'>,
  oauth: Pick<OAuthServices, 'codes'>,
  authenticated: AuthenticatedClient,
  parameters: Readonly<Record<string, string>>,
  origin: EventOrigin,
  binding: TokenBinding,
): Promise<TokenResponse> {
  const { client } = authenticated;
  if (!client.grantTypes.includes('authorization_code')) {
    throw new OAuthError('unauthorized_client', 'This client may not use authorization_code');
  }
  const { code, redirect_uri: redirectUri, code_verifier: codeVerifier } = parameters;
  if (code === undefined || codeVerifier === undefined) {
    throw new OAuthError('invalid_request', 'code and code_verifier are required');
  }
  const reportReuse = (grant: AuthorizationCodeGrant, familyId: string | null) =>
    deps.events.emit('token.reuse_detected', { ...origin, principal: `user:${grant.userId}` }, {
      kind: 'authorization_code',
      clientId: grant.clientId,
      familyId,
    });

  const codeHash = hashOpaqueToken(code);
  const redemption = await oauth.codes.redeem(codeHash, REMEMBER_REDEEMED_CODE_SECONDS);
  if (redemption.status === 'unknown') throw invalidGrant();
  if (redemption.status === 'reused') {
    // Only the client the code was issued to can trigger the revocation: a stray code seen in a log
    // or a Referer must not let anyone end a user's session.
    if (redemption.grant.clientId !== client.clientId) throw invalidGrant();
    // If the first redemption is still issuing, nothing is recorded yet: marking the replay makes
    // the issuer revoke its own tokens instead (see AuthorizationCodeStore).
    const issued = await oauth.codes.markReplayed(codeHash);
    if (issued !== undefined) await deps.refreshTokens.revokeFamily(issued.familyId);
    reportReuse(redemption.grant, issued?.familyId ?? null);
    throw invalidGrant();
  }

  const { grant } = redemption;
  // Checked after redemption on purpose: a code tried with a wrong verifier is spent, not retryable.
  if (grant.clientId !== client.clientId || !redirectUriAgrees(grant, redirectUri) || !verifyCodeVerifier(codeVerifier, grant.codeChallenge)) {
    throw invalidGrant();
  }
  const user = await deps.users.findById(grant.userId);
  if (!isActiveUser(user)) throw invalidGrant();
  // The role may have changed since consent: never grant more than the user holds now.
  const scopes = grantableScopes({ requested: grant.scopes, clientAllows: client.scopes, subjectHolds: scopesOfRole(user.role) });
  if (scopes.length === 0) throw new OAuthError('invalid_scope', 'None of the consented scopes can still be granted');

  // RFC 9449 section 5: a public client's refresh tokens are bound to its DPoP key (a confidential one's to its credentials).
  const refresh = await deps.refreshTokens.startFamily({
    userId: user.id,
    clientId: client.clientId,
    scopes,
    authentication: grant.authentication,
    jkt: client.type === 'public' ? binding.jkt : undefined,
  });
  const access = await deps.accessTokens.issue({
    subject: user.id,
    clientId: client.clientId,
    scopes,
    grant: 'user',
    sessionId: refresh.familyId,
    notAfter: refresh.expiresAt,
    issuedTo: { ip: origin.ip, pinned: client.pinNetwork },
    authentication: grant.authentication,
    confirmation: binding.confirmation,
  });
  const recording = await oauth.codes.recordIssued(codeHash, {
    familyId: refresh.familyId,
    accessTokenJti: access.jti,
    accessTokenExpiresAt: Math.floor(access.expiresAt.getTime() / 1000),
  });
  if (recording === 'replayed') {
    // The code was replayed while these tokens were being made: they never leave the server.
    await deps.refreshTokens.revokeFamily(refresh.familyId);
    reportReuse(grant, refresh.familyId);
    throw invalidGrant();
  }
  return {
    access_token: access.token,
    token_type: binding.jkt === undefined ? 'Bearer' : 'DPoP',
    expires_in: access.expiresIn,
    scope: access.scope,
    refresh_token: refresh.token,
  };
}
