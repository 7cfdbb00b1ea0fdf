import type { TRPCLink } from '@trpc/client';
import type { AnyTRPCRouter } from '@trpc/server';
import { observable, type Unsubscribable } from '@trpc/server/observable';
import { UnauthorizedError } from '../errors.js';
import type { GatehouseSession } from './gatehouse-session.js';

/**
 * Keeps a session's calls authenticated: waits for a due refresh before a
 * call, and after a 401 expired_token (the server's clock is the one that
 * counts) refreshes once and retries the call once. Any other 401, such as
 * revoked_token, reaches the caller unchanged.
 */
export function sessionRefreshLink<TRouter extends AnyTRPCRouter>(session: GatehouseSession): TRPCLink<TRouter> {
  return () =>
    ({ next, op }) =>
      observable((observer) => {
        let subscription: Unsubscribable | undefined;
        let closed = false;

        const attempt = (retry: boolean) => {
          if (closed) return;
          const generation = session.generation;
          subscription = next(op).subscribe({
            next: (value) => observer.next(value),
            error: (error) => {
              const expired = error instanceof UnauthorizedError && error.reason === 'expired_token';
              if (!expired || !retry) return observer.error(error);
              session.refreshAfterExpiry(generation).then(
                () => attempt(false),
                (refreshError: unknown) => observer.error(refreshError as typeof error),
              );
            },
            complete: () => observer.complete(),
          });
        };

        session.ensureFresh().then(
          () => attempt(true),
          (error: unknown) => observer.error(error as never),
        );
        return () => {
          closed = true;
          subscription?.unsubscribe();
        };
      });
}
