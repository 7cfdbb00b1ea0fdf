import type { TRPCLink } from '@trpc/client';
import type { AnyTRPCRouter } from '@trpc/server';
import { observable, type Unsubscribable } from '@trpc/server/observable';
import { RateLimitedError } from './errors.js';

/**
 * Opt-in retry of calls refused with 429.
 *
 * @example
 * ```ts
 * createGatehouseClient({ url, accessToken, retry: { on429: true, maxWaitMs: 2_000 } });
 * ```
 */
export interface RateLimitRetryOptions {
  /** Retry calls the server refused with 429 (TOO_MANY_REQUESTS). */
  readonly on429: true;
  /** The longest the client waits: a 429 asking for more is thrown at once, as a RateLimitedError. */
  readonly maxWaitMs: number;
  /**
   * Also retry mutations (default false). Only for mutations that are safe to
   * send twice: a 429 means the server did not run it, but a proxy's 429 may not.
   */
  readonly mutations?: boolean;
}

/**
 * A tRPC link that waits the server's `retryAfterMs` and retries a refused
 * call once, when the wait fits in `maxWaitMs`. Put it before
 * gatehouseErrorLink so it sees typed errors. Queries only, unless
 * `mutations` is set; subscriptions never.
 */
export function rateLimitRetryLink<TRouter extends AnyTRPCRouter>(options: RateLimitRetryOptions): TRPCLink<TRouter> {
  if (options.on429 !== true) throw new TypeError('retry.on429 must be true');
  if (!Number.isFinite(options.maxWaitMs) || options.maxWaitMs < 0) throw new RangeError('retry.maxWaitMs must be a finite number of milliseconds, 0 or more');
  return () =>
    ({ next, op }) =>
      observable((observer) => {
        const retriable = op.type === 'query' || (op.type === 'mutation' && options.mutations === true);
        let subscription: Unsubscribable | undefined;
        let timer: ReturnType<typeof setTimeout> | undefined;
        let retried = false;
        const attempt = () => {
          subscription = next(op).subscribe({
            next: (value) => observer.next(value),
            error: (error) => {
              const waitMs = error instanceof RateLimitedError ? error.retryAfterMs : undefined;
              // No retryAfterMs on the wire, no retry: the client does not guess a wait the server did not give.
              if (retriable && !retried && waitMs !== undefined && waitMs <= options.maxWaitMs) {
                retried = true;
                timer = setTimeout(attempt, waitMs);
                return;
              }
              observer.error(error);
            },
            complete: () => observer.complete(),
          });
        };
        attempt();
        return () => {
          clearTimeout(timer);
          subscription?.unsubscribe();
        };
      });
}
