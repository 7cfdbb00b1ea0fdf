import type { IncomingHttpHeaders } from 'node:http';
import type { Dependencies } from '../dependencies.js';
import { assertNotRevoked } from './assert-not-revoked.js';
import { AuthFailure } from './auth-failure.js';
import type { Principal } from './principal.js';

/** RFC 6750 section 2.1: `Bearer` (any case), one space or more, then a b64token. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

export type PresentedCredential =
  | { readonly type: 'none' }
  | { readonly type: 'bearer'; readonly token: string };

/** Reads the credential a request presents, without judging it. A malformed header is an invalid token. */
export function readCredential(headers: IncomingHttpHeaders): PresentedCredential {
  const authorization = headers.authorization;
  if (authorization === undefined || authorization === '') return { type: 'none' };
  const match = BEARER.exec(authorization);
  if (match?.[1] === undefined) throw new AuthFailure('invalid_token');
  return { type: 'bearer', token: match[1] };
}

/**
 * Turns a request's credential into a principal, or undefined when none was
 * presented. Throws AuthFailure (401) for a credential that does not hold.
 */
export function createAuthenticator(deps: Pick<Dependencies, 'accessTokens' | 'revocation'>) {
  return async function authenticate(headers: IncomingHttpHeaders): Promise<Principal | undefined> {
    const credential = readCredential(headers);
    if (credential.type === 'none') return undefined;
    const token = await deps.accessTokens.verify(credential.token);
    await assertNotRevoked(deps.revocation, token);
    const proof = { type: 'access_token', jti: token.jti, clientId: token.clientId, expiresAt: token.expiresAt, sessionId: token.sessionId } as const;
    if (token.grant === 'client_credentials') {
      return { kind: 'client', id: token.clientId, scopes: token.scopes, credential: proof };
    }
    return { kind: 'user', userId: token.subject, scopes: token.scopes, credential: proof };
  };
}

export type Authenticate = ReturnType<typeof createAuthenticator>;
