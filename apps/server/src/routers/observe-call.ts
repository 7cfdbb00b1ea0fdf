import { performance } from 'node:perf_hooks';
import { storeUnavailableAnswer } from '../errors/answer-store-unavailable.js';
import { recordCallOutcome } from '../metrics/record-call-metrics.js';
import { t } from '../trpc.js';

/**
 * answerStoreUnavailable and recordCallMetrics as one middleware step, in
 * their order: the metrics see the call's own outcome (a store failure is
 * counted as the 500 it was), then a store failure is answered as a 503.
 * One step instead of two because tRPC copies the call's options (twice,
 * through Babel's spread helper) for every middleware: about 10 µs each.
 * It inspects what `next()` resolved to; it never catches.
 */
export const observeCall = t.middleware(async function observeCall({ ctx, path, next }) {
  const started = performance.now();
  const result = await next();
  recordCallOutcome(ctx.deps.metrics, path, result, started);
  const unavailable = storeUnavailableAnswer(result);
  if (unavailable !== undefined) throw unavailable;
  return result;
});
