import type { TRPCError } from '@trpc/server';
import { StoreUnavailableError } from './store-unavailable-error.js';
import { serviceUnavailable } from './service-unavailable.js';

/**
 * Redis down or too slow is the server's temporary condition, not a bug:
 * the 503 SERVICE_UNAVAILABLE a failed call answers instead of a 500
 * (clients and load balancers retry those); undefined for every other
 * outcome. Applied around every check, so the auth lookups are covered too.
 */
export function storeUnavailableAnswer(result: { readonly ok: boolean; readonly error?: TRPCError }): TRPCError | undefined {
  if (result.ok || !(result.error?.cause instanceof StoreUnavailableError)) return undefined;
  return serviceUnavailable(result.error.cause);
}
