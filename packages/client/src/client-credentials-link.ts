import type { TRPCLink } from '@trpc/client';
import type { AnyTRPCRouter } from '@trpc/server';
import type { ClientCredentialsToken } from './client-credentials.js';
import { renewingCredentialLink } from './renewing-credential-link.js';

/**
 * Keeps a service's calls authenticated: after a 401 expired_token or
 * revoked_token (the server's clock and revocation list are the ones that
 * count), fetches a new token once and retries the call once. Every call
 * refused with the same token waits for that one token request.
 */
export function clientCredentialsLink<TRouter extends AnyTRPCRouter>(token: ClientCredentialsToken): TRPCLink<TRouter> {
  return renewingCredentialLink<TRouter>({
    get generation() {
      return token.generation;
    },
    isStale: (error) => error.reason === 'expired_token' || error.reason === 'revoked_token',
    renewAfter: (generation) => token.renewAfter(generation),
  });
}
