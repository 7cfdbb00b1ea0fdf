import { TRPCError } from '@trpc/server';
import { StoreUnavailableError } from './store-unavailable-error.js';

/**
 * The one translation of a store outage: 503 SERVICE_UNAVAILABLE (clients and
 * load balancers retry those), never a 500, never a request let through and
 * never a valid credential called invalid. The cause stays for the log.
 */
export function serviceUnavailable(cause: StoreUnavailableError): TRPCError {
  return new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: 'Temporarily unavailable, try again shortly', cause });
}

/**
 * Rethrows a store outage as {@link serviceUnavailable}, anything else
 * unchanged. Used where a request needs state only the store has (token
 * state, API keys), so the 503 is decided where the store was asked.
 */
export function rethrowUnavailable(error: unknown): never {
  if (error instanceof StoreUnavailableError) throw serviceUnavailable(error);
  throw error;
}
