import type { TRPCError } from '@trpc/server';
import { StoreUnavailableError } from '../stores/store-unavailable-error.js';
import { serviceUnavailable } from './service-unavailable.js';
import { t } from '../trpc.js';

/**
 * Redis down or too slow is the server's temporary condition, not a bug:
 * answer 503 SERVICE_UNAVAILABLE (clients and load balancers retry those)
 * instead of a 500. Runs first so it also covers the store lookups of the
 * auth middleware. Inspects next()'s result rather than catching (STYLE).
 */
export const answerStoreUnavailable = t.middleware(async function answerStoreUnavailable({ next }) {
  const result = await next();
  const unavailable = storeUnavailableAnswer(result);
  if (unavailable !== undefined) throw unavailable;
  return result;
});

/** The 503 a failed call answers instead when a store was unavailable; undefined for every other outcome. */
export function storeUnavailableAnswer(result: { readonly ok: boolean; readonly error?: TRPCError }): TRPCError | undefined {
  if (result.ok || !(result.error?.cause instanceof StoreUnavailableError)) return undefined;
  return serviceUnavailable(result.error.cause);
}
