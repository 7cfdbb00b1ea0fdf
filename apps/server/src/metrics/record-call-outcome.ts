import { performance } from 'node:perf_hooks';
import type { TRPCError } from '@trpc/server';
import { AuthFailureError } from '../errors/auth-failure-error.js';
import { RateLimitExceededError } from '../errors/rate-limit-exceeded-error.js';
import type { Metrics } from './create-metrics.js';

/**
 * Counts and times one finished call, and counts 401/403/429 by reason;
 * `startedMs` is performance.now() at its start. Called by the procedure's
 * resolver around every check, so refused calls are counted too.
 */
export function recordCallOutcome(
  metrics: Metrics,
  path: string,
  result: { readonly ok: boolean; readonly error?: TRPCError },
  startedMs: number,
): void {
  const error = result.ok ? undefined : result.error;
  const outcome = error === undefined ? 'ok' : error.code;
  const labels = { procedure: path, outcome };
  metrics.calls.inc(labels);
  metrics.callDuration.observe(labels, (performance.now() - startedMs) / 1000);
  const cause = error?.cause;
  if (cause instanceof AuthFailureError) {
    metrics.authFailures.inc({ status: cause.status === 'UNAUTHORIZED' ? '401' : '403', reason: cause.data.reason });
  } else if (cause instanceof RateLimitExceededError) {
    metrics.rateLimited.inc({ policy: cause.data.policy });
  }
}
