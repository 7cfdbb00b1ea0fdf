import { TRPCError } from '@trpc/server';

/**
 * The backing store (Redis) could not answer: down, unreachable or too slow.
 * Distinct from a bug in a store so that callers answer 503 and the client
 * retries later: never a 500, never a request let through, never a valid
 * credential called invalid.
 */
export class StoreUnavailableError extends Error {
  constructor(what: string, options?: ErrorOptions) {
    super(`The ${what} store is unavailable`, options);
    this.name = 'StoreUnavailableError';
  }

  /**
   * The one translation of a store outage: 503 SERVICE_UNAVAILABLE (clients and
   * load balancers retry those), never a 500. The cause stays for the log.
   */
  toTRPCError(): TRPCError {
    return new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: 'Temporarily unavailable, try again shortly', cause: this });
  }
}

/**
 * Rethrows a store outage as its 503, anything else unchanged. Used where a
 * request needs state only the store has (token state, API keys), so the 503
 * is decided where the store was asked.
 */
export function rethrowUnavailable(error: unknown): never {
  throw error instanceof StoreUnavailableError ? error.toTRPCError() : error;
}

/**
 * The 503 a failed tRPC call answers when its cause was a store outage (Redis
 * down or too slow is the server's temporary condition, not a bug); undefined
 * for every other outcome. Applied around every check, so the auth lookups
 * are covered too.
 */
export function storeUnavailableAnswer(result: { readonly ok: boolean; readonly error?: TRPCError }): TRPCError | undefined {
  if (result.ok || !(result.error?.cause instanceof StoreUnavailableError)) return undefined;
  return result.error.cause.toTRPCError();
}
