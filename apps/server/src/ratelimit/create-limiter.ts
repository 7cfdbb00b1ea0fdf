import type { RedisClient } from '../stores/redis/redis-client.js';
import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract, type RateLimiterRes } from 'rate-limiter-flexible';

/** A budget as rate-limiter-flexible counts it: fixed windows of `durationSeconds`. */
export interface LimiterSpec {
  readonly name: string;
  readonly points: number;
  readonly durationSeconds: number;
  /** Once the budget is exceeded, the key stays refused this long (0: until the window ends). */
  readonly blockDurationSeconds: number;
}

export type LimiterBackend =
  | { readonly kind: 'memory' }
  | {
      readonly kind: 'redis';
      readonly redis: RedisClient;
      readonly keyPrefix: string;
      /** Called whenever Redis failed and the in-memory insurance limiter answered instead. */
      readonly onFallback: (limiter: string) => void;
    };

/** Where a limiter's keys live: `rl` for rate limits, `abuse` for the abuse detectors' counters. */
export type LimiterKeySpace = 'rl' | 'abuse';

/**
 * One rate-limiter-flexible limiter for a budget. With RedisClient, every process
 * shares the counters under `<prefix><keySpace>:<name>:<key>`; if Redis fails (down,
 * slow past the connection's command timeout, or not ready), the call is
 * answered by an in-memory insurance limiter with the same budget instead:
 * limits keep holding per process, nobody is let through unlimited, and
 * nobody is refused because of the outage alone.
 */
export function createLimiter(spec: LimiterSpec, backend: LimiterBackend, keySpace: LimiterKeySpace = 'rl'): RateLimiterAbstract {
  validateSpec(spec);
  const options = {
    points: spec.points,
    duration: spec.durationSeconds,
    blockDuration: spec.blockDurationSeconds,
  };
  const keyPrefix = `${keySpace}:${spec.name}`;
  if (backend.kind === 'memory') return new RateLimiterMemory({ ...options, keyPrefix });
  return new RateLimiterRedis({
    ...options,
    storeClient: backend.redis,
    keyPrefix: `${backend.keyPrefix}${keyPrefix}`,
    // Go to the insurance limiter at once while disconnected instead of waiting for a timeout.
    rejectIfRedisNotReady: true,
    insuranceLimiter: new InsuranceLimiter({ ...options, keyPrefix }, () => backend.onFallback(spec.name)),
  });
}

/** rate-limiter-flexible calls the insurance limiter's methods by name when the store fails; this one reports each use. */
class InsuranceLimiter extends RateLimiterMemory {
  constructor(
    options: ConstructorParameters<typeof RateLimiterMemory>[0],
    private readonly report: () => void,
  ) {
    super(options);
  }

  override consume(key: string | number, points?: number, options?: Record<string, unknown>): Promise<RateLimiterRes> {
    this.report();
    return super.consume(key, points, options);
  }

  override reward(key: string | number, points?: number, options?: Record<string, unknown>): Promise<RateLimiterRes> {
    this.report();
    return super.reward(key, points, options);
  }

  override delete(key: string | number, options?: Record<string, unknown>): Promise<boolean> {
    this.report();
    return super.delete(key, options);
  }

  override get(key: string | number, options?: Record<string, unknown>): Promise<RateLimiterRes | null> {
    this.report();
    return super.get(key, options);
  }
}

/** A log of fallbacks that says once per `intervalMs` how often the insurance limiter answered, not once per request. */
export function createFallbackReporter(logger: Logger, intervalMs = 10_000, now: () => number = Date.now): (limiter: string) => void {
  let windowStart = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return (limiter) => {
    const time = now();
    if (time - windowStart < intervalMs) {
      suppressed += 1;
      return;
    }
    logger.warn(
      { limiter, fallbacksSinceLastReport: suppressed },
      'redis rate limiter unavailable: counting in this process (insurance limiter) until it recovers',
    );
    windowStart = time;
    suppressed = 0;
  };
}

function validateSpec(spec: LimiterSpec): void {
  const positiveInteger = (value: number) => Number.isInteger(value) && value > 0;
  if (!/^[\w.+:-]{1,64}$/.test(spec.name)) throw new RangeError(`rate limit name "${spec.name}" must be 1-64 of [A-Za-z0-9_.+:-]`);
  if (!positiveInteger(spec.points)) throw new RangeError(`rate limit ${spec.name}: points must be a positive integer`);
  if (!positiveInteger(spec.durationSeconds)) throw new RangeError(`rate limit ${spec.name}: durationSeconds must be a positive integer`);
  if (!Number.isInteger(spec.blockDurationSeconds) || spec.blockDurationSeconds < 0) {
    throw new RangeError(`rate limit ${spec.name}: blockDurationSeconds must be a non-negative integer`);
  }
}
