import type { TRPCLink } from '@trpc/client';
import type { AnyTRPCRouter } from '@trpc/server';
import { observable, type Unsubscribable } from '@trpc/server/observable';
import type { ClientCredentialsToken } from './client-credentials.js';
import { UnauthorizedError } from './errors.js';

/**
 * Keeps a service's calls authenticated: after a 401 expired_token or
 * revoked_token (the server's clock and revocation list are the ones that
 * count), fetches a new token once and retries the call once. Every call
 * refused with the same token waits for that one token request.
 */
export function clientCredentialsLink<TRouter extends AnyTRPCRouter>(token: ClientCredentialsToken): TRPCLink<TRouter> {
  return () =>
    ({ next, op }) =>
      observable((observer) => {
        let subscription: Unsubscribable | undefined;
        let closed = false;
        const attempt = (retry: boolean) => {
          if (closed) return;
          const generation = token.generation;
          subscription = next(op).subscribe({
            next: (value) => observer.next(value),
            error: (error) => {
              const stale = error instanceof UnauthorizedError && (error.reason === 'expired_token' || error.reason === 'revoked_token');
              if (!stale || !retry) return observer.error(error);
              token.renewAfter(generation).then(
                () => attempt(false),
                (renewError: unknown) => observer.error(renewError as typeof error),
              );
            },
            complete: () => observer.complete(),
          });
        };
        attempt(true);
        return () => {
          closed = true;
          subscription?.unsubscribe();
        };
      });
}
