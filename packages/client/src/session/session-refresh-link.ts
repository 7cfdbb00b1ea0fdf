import type { TRPCLink } from '@trpc/client';
import type { AnyTRPCRouter } from '@trpc/server';
import { renewingCredentialLink } from '../renewing-credential-link.js';
import type { GatehouseSession } from './gatehouse-session.js';

/**
 * Keeps a session's calls authenticated: waits for a due refresh before a
 * call, and after a 401 expired_token (the server's clock is the one that
 * counts) refreshes once and retries the call once. Any other 401, such as
 * revoked_token, reaches the caller unchanged.
 */
export function sessionRefreshLink<TRouter extends AnyTRPCRouter>(session: GatehouseSession): TRPCLink<TRouter> {
  return renewingCredentialLink<TRouter>({
    get generation() {
      return session.generation;
    },
    isStale: (error) => error.reason === 'expired_token',
    renewAfter: (generation) => session.refreshAfterExpiry(generation),
    beforeCall: () => session.ensureFresh(),
  });
}
