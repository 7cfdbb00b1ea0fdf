import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

/** Where abuse counters live: this process, or Redis so that every process sees the same counts. */
export type CounterBackend =
  | { readonly kind: 'memory' }
  | { readonly kind: 'redis'; readonly redis: Redis; readonly keyPrefix: string; readonly onStoreError?: () => void };

export interface CounterOptions {
  readonly name: string;
  readonly points: number;
  readonly durationSeconds: number;
  readonly blockDurationSeconds?: number;
}

/**
 * A rate-limiter-flexible limiter used as a windowed counter. On Redis it
 * carries an in-memory insurance limiter: while Redis is down, counting goes
 * on per process instead of failing the request or letting everything through.
 */
export function createAbuseCounter(backend: CounterBackend, options: CounterOptions): RateLimiterAbstract {
  const common = {
    points: options.points,
    duration: options.durationSeconds,
    blockDuration: options.blockDurationSeconds ?? 0,
  };
  if (backend.kind === 'memory') return new RateLimiterMemory({ ...common, keyPrefix: `abuse:${options.name}` });
  return new RateLimiterRedis({
    ...common,
    storeClient: backend.redis,
    keyPrefix: `${backend.keyPrefix}abuse:${options.name}`,
    rejectIfRedisNotReady: true,
    insuranceLimiter: new InsuranceCounter({ ...common, keyPrefix: `abuse:${options.name}` }, backend.onStoreError ?? (() => {})),
  });
}

/** rate-limiter-flexible falls back to its insurance limiter silently; this one reports each fallback. */
class InsuranceCounter extends RateLimiterMemory {
  readonly #onUse: () => void;

  constructor(options: ConstructorParameters<typeof RateLimiterMemory>[0], onUse: () => void) {
    super(options);
    this.#onUse = onUse;
  }

  override consume(...args: Parameters<RateLimiterMemory['consume']>): Promise<RateLimiterRes> {
    this.#onUse();
    return super.consume(...args);
  }

  override get(...args: Parameters<RateLimiterMemory['get']>): Promise<RateLimiterRes | null> {
    this.#onUse();
    return super.get(...args);
  }
}

/** Whether a consume() rejection is the budget running out (as opposed to a store failure). */
export function isBudgetExceeded(value: unknown): value is RateLimiterRes {
  return value instanceof RateLimiterRes;
}

/** Consumes one point and reports the resulting state, whether or not the budget was exceeded. */
export async function consumePoint(counter: RateLimiterAbstract, key: string): Promise<{ readonly exceeded: boolean; readonly res: RateLimiterRes }> {
  try {
    return { exceeded: false, res: await counter.consume(key) };
  } catch (rejection) {
    if (isBudgetExceeded(rejection)) return { exceeded: true, res: rejection };
    throw rejection;
  }
}
