import { performance } from 'node:perf_hooks';
import { AuthFailure } from '../auth/auth-failure.js';
import { RateLimitExceeded } from '../errors/rate-limit-exceeded.js';
import { t } from '../trpc.js';

/**
 * Counts and times every call, and counts 401/403/429 by reason. Placed
 * before requireAuth so refused calls are counted too. It inspects what
 * `next()` resolved to; it never catches.
 */
export const recordCallMetrics = t.middleware(async function recordCallMetrics({ ctx, path, next }) {
  const started = performance.now();
  const result = await next();
  const { metrics } = ctx.deps;
  const outcome = result.ok ? 'ok' : result.error.code;
  metrics.calls.inc({ procedure: path, outcome });
  metrics.callDuration.observe({ procedure: path, outcome }, (performance.now() - started) / 1000);
  if (!result.ok) {
    const cause = result.error.cause;
    if (cause instanceof AuthFailure) {
      metrics.authFailures.inc({ status: cause.status === 'UNAUTHORIZED' ? '401' : '403', reason: cause.data.reason });
    } else if (cause instanceof RateLimitExceeded) {
      metrics.rateLimited.inc({ policy: cause.data.policy });
    }
  }
  return result;
});
