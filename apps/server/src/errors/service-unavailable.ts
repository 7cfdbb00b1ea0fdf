import { TRPCError } from '@trpc/server';
import { StoreUnavailableError } from '../stores/store-unavailable-error.js';

/**
 * Rethrows a store outage as 503 SERVICE_UNAVAILABLE (clients may retry),
 * anything else unchanged. Used where a request needs state only the store
 * has: the answer is "try again", never a guess.
 */
export function rethrowUnavailable(error: unknown): never {
  if (error instanceof StoreUnavailableError) {
    throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: 'Token state is unavailable; try again shortly', cause: error });
  }
  throw error;
}
