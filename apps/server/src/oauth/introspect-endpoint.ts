import type { FastifyInstance } from 'fastify';
import type { Dependencies } from '../dependencies.js';
import { StoreUnavailableError } from '../errors/store-unavailable-error.js';
import { OAuthError } from './oauth-error.js';
import { readFormParameters, sendNoStoreJson, sendOAuthError } from './oauth-reply.js';
import type { OAuthServices } from './oauth-services.js';
import { looksLikeRefreshToken } from '../tokens/refresh-tokens.js';
import { looksLikeApiKey } from '../apikeys/key-format.js';
import { AuthFailureError } from '../errors/auth-failure-error.js';
import { scopesOfRole } from '../auth/scopes.js';
import { isActiveUser } from '../stores/user-store.js';
import type { SignInAuthentication } from '../tokens/sign-in-authentication.js';
import type { TokenConfirmation } from '../tokens/token-confirmation.js';

const INACTIVE = { active: false } as const;

/**
 * POST /oauth/introspect (RFC 7662) for resource servers. Any authenticated
 * confidential client may ask about any token; the answer is `active: false`
 * for anything expired, revoked, spent or unknown, with no reason given
 * (section 2.2), and the full claims otherwise. API keys are answered too
 * (resource servers verify keys here, RFC 7662), with `token_type: "api_key"`.
 * A sender-constrained token's answer carries its `cnf` (RFC 9449 section
 * 6.2, RFC 8705 section 3.2), so a resource server that introspects can hold
 * the caller to the same key or certificate; a user's token carries its
 * sign-in (`acr`, `amr`, `auth_time`), which RFC 9470 step-up decisions need.
 */
export function registerIntrospectEndpoint(app: FastifyInstance, deps: Dependencies, oauth: OAuthServices): void {
  app.post('/oauth/introspect', async (request, reply) => {
    try {
      const parameters = readFormParameters(request.body);
      await oauth.budgets.authenticate(request, reply, oauth.clients, parameters, { requireConfidential: true });
      const token = parameters['token'];
      if (token === undefined) throw new OAuthError('invalid_request', 'token is required');
      const answer = looksLikeApiKey(token)
        ? await introspectApiKey(token)
        : looksLikeRefreshToken(token)
          ? await introspectRefreshToken(token)
          : await introspectAccessToken(token);
      return sendNoStoreJson(reply, answer);
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
      // RFC 9449 section 6.2: a DPoP-bound token introspects as token_type DPoP; a certificate-bound one stays Bearer (RFC 8705).
      token_type: access.confirmation?.jkt === undefined ? 'Bearer' : 'DPoP',
      scope: access.scopes.join(' '),
      client_id: access.clientId,
      sub: access.subject,
      exp: access.expiresAt,
      iat: access.issuedAt,
      jti: access.jti,
      iss: deps.config.issuer,
      aud: deps.config.audience,
      ...signInClaims(access.authentication),
      ...confirmationClaim(access.confirmation),
    };
  }

  /**
   * An API key, for resource servers that accept keys but cannot check them
   * themselves: active only while it is unrevoked, unexpired and its owner
   * exists, with the scopes its owner's role still holds (as the API itself
   * would grant them). No lookup-free shortcut: revocation holds at once.
   */
  async function introspectApiKey(key: string) {
    const record = await deps.apiKeys.verify(key).catch((error: unknown) => {
      if (error instanceof AuthFailureError) return undefined;
      throw error;
    });
    if (record === undefined) return INACTIVE;
    const owner = await deps.users.findById(record.ownerId);
    if (!isActiveUser(owner)) return INACTIVE;
    const held = scopesOfRole(owner.role);
    return {
      active: true,
      token_type: 'api_key',
      scope: record.scopes.filter((scope) => held.includes(scope)).join(' '),
      sub: owner.id,
      iat: Math.floor(record.createdAt.getTime() / 1000),
      ...(record.expiresAt === undefined ? {} : { exp: Math.floor(record.expiresAt.getTime() / 1000) }),
      iss: deps.config.issuer,
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
      ...signInClaims(family.authentication),
      // RFC 9449 section 5: a public client's DPoP-bound refresh token works only with a proof of this key.
      ...confirmationClaim(family.jkt === undefined ? undefined : { jkt: family.jkt }),
    };
  }
}

/** `acr`, `amr` and `auth_time` as the access token carries them (RFC 9068 section 2.2.1), when there is a sign-in. */
function signInClaims(authentication: SignInAuthentication | undefined) {
  return authentication === undefined ? {} : { acr: authentication.acr, amr: [...authentication.amr], auth_time: authentication.authTime };
}

/** RFC 7800 `cnf`: only the members the token is bound by (`jkt`, `x5t#S256`); absent for a bearer token. */
function confirmationClaim(confirmation: TokenConfirmation | undefined) {
  if (confirmation === undefined) return {};
  const cnf: { jkt?: string; 'x5t#S256'?: string } = {};
  if (confirmation.jkt !== undefined) cnf.jkt = confirmation.jkt;
  if (confirmation['x5t#S256'] !== undefined) cnf['x5t#S256'] = confirmation['x5t#S256'];
  return Object.keys(cnf).length === 0 ? {} : { cnf };
}
