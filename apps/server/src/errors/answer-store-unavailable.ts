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
  if (!result.ok && result.error.cause instanceof StoreUnavailableError) {
    throw serviceUnavailable(result.error.cause);
  }
  return result;
});
