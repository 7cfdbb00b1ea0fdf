import type { RedisClient } from '../stores/redis/redis-client.js';
import type { RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import { createLimiter } from '../ratelimit/create-limiter.js';
import { isLimitHit } from '../ratelimit/rate-limit-snapshot.js';

/** Where abuse counters live: this process, or Redis so that every process sees the same counts. */
export type CounterBackend =
  | { readonly kind: 'memory' }
  | { readonly kind: 'redis'; readonly redis: RedisClient; readonly keyPrefix: string; readonly onStoreError?: () => void };

export interface CounterOptions {
  readonly name: string;
  readonly points: number;
  readonly durationSeconds: number;
  readonly blockDurationSeconds?: number;
}

/**
 * A rate-limiter-flexible limiter used as a windowed counter, built like every
 * rate limit (ratelimit/create-limiter.ts) under its own `abuse:` keys. On
 * Redis it carries the in-memory insurance limiter: while Redis is down,
 * counting goes on per process instead of failing the request or letting
 * everything through, and each fallback is reported.
 */
export function createAbuseCounter(backend: CounterBackend, options: CounterOptions): RateLimiterAbstract {
  const spec = {
    name: options.name,
    points: options.points,
    durationSeconds: options.durationSeconds,
    blockDurationSeconds: options.blockDurationSeconds ?? 0,
  };
  if (backend.kind === 'memory') return createLimiter(spec, backend, 'abuse');
  const onStoreError = backend.onStoreError ?? (() => {});
  return createLimiter(spec, { kind: 'redis', redis: backend.redis, keyPrefix: backend.keyPrefix, onFallback: () => onStoreError() }, 'abuse');
}

/** Consumes one point and reports the resulting state, whether or not the budget was exceeded. */
export async function consumePoint(counter: RateLimiterAbstract, key: string): Promise<{ readonly exceeded: boolean; readonly res: RateLimiterRes }> {
  try {
    return { exceeded: false, res: await counter.consume(key) };
  } catch (rejection) {
    // A store failure is not a spent budget (ratelimit/rate-limit-snapshot.ts): it propagates.
    if (isLimitHit(rejection)) return { exceeded: true, res: rejection };
    throw rejection;
  }
}
