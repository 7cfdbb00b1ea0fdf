import type { TRPCLink } from '@trpc/client';
import type { AnyTRPCRouter } from '@trpc/server';
import { observable } from '@trpc/server/observable';
import { toGatehouseError } from './errors.js';

/**
 * A tRPC link that turns the server's errors into Gatehouse's typed errors,
 * so every call (and every tRPC integration built on links) throws them.
 */
export function gatehouseErrorLink<TRouter extends AnyTRPCRouter>(): TRPCLink<TRouter> {
  return () =>
    ({ next, op }) =>
      observable((observer) =>
        next(op).subscribe({
          next: (value) => observer.next(value),
          error: (error) => observer.error(toGatehouseError(error) as typeof error),
          complete: () => observer.complete(),
        }),
      );
}
