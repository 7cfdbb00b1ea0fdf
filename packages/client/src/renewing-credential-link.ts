import type { TRPCLink } from '@trpc/client';
import type { AnyTRPCRouter } from '@trpc/server';
import { observable, type Unsubscribable } from '@trpc/server/observable';
import { UnauthorizedError } from './errors.js';

/** A credential the client can renew by itself: a session's tokens, or a service's client-credentials token. */
export interface RenewableCredential {
  /** Increases with every new credential, so calls refused with the same one share a single renewal. */
  readonly generation: number;
  /** Whether this 401 means the credential went stale (rather than the caller being refused for good). */
  isStale(error: UnauthorizedError): boolean;
  /** Renews once per generation: resolves when a credential newer than `generation` is in place. */
  renewAfter(generation: number): Promise<void>;
  /** Runs before each call, e.g. a renewal that is due; none by default. */
  beforeCall?(): Promise<void>;
}

/**
 * Keeps calls authenticated with a renewable credential: after a 401 that
 * says the credential is stale (the server's clock and revocation list are
 * the ones that count), renews it once and retries the call once. Any other
 * error, and a second refusal, reaches the caller unchanged.
 */
export function renewingCredentialLink<TRouter extends AnyTRPCRouter>(credential: RenewableCredential): TRPCLink<TRouter> {
  return () =>
    ({ next, op }) =>
      observable((observer) => {
        let subscription: Unsubscribable | undefined;
        let closed = false;
        const attempt = (retry: boolean) => {
          if (closed) return;
          const generation = credential.generation;
          subscription = next(op).subscribe({
            next: (value) => observer.next(value),
            error: (error) => {
              const stale = error instanceof UnauthorizedError && credential.isStale(error);
              if (!stale || !retry) return observer.error(error);
              credential.renewAfter(generation).then(
                () => attempt(false),
                (renewError: unknown) => observer.error(renewError as typeof error),
              );
            },
            complete: () => observer.complete(),
          });
        };
        const ready = credential.beforeCall?.() ?? Promise.resolve();
        ready.then(
          () => attempt(true),
          (error: unknown) => observer.error(error as never),
        );
        return () => {
          closed = true;
          subscription?.unsubscribe();
        };
      });
}
