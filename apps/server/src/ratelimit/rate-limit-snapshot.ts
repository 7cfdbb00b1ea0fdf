import type { RateLimitErrorData } from '@gatehouse/contracts';
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { LimiterSpec } from './create-limiter.js';

/** Where one budget stood after a call was counted against it: what headers and 429 data report. */
export interface RateLimitSnapshot {
  readonly policy: string;
  readonly limit: number;
  readonly remaining: number;
  readonly windowSeconds: number;
  /** When the budget refills (or the block ends), epoch milliseconds. */
  readonly resetAtMs: number;
  readonly refused: boolean;
}

export function snapshotOf(spec: LimiterSpec, res: RateLimiterRes, refused: boolean, nowMs: number = Date.now()): RateLimitSnapshot {
  // msBeforeNext is -1 for a key without expiry; rate-limiter-flexible sets one on every key it writes.
  const msBeforeNext = Math.max(res.msBeforeNext, 0);
  return {
    policy: spec.name,
    limit: spec.points,
    remaining: refused ? 0 : Math.max(spec.points - res.consumedPoints, 0),
    windowSeconds: spec.durationSeconds,
    resetAtMs: nowMs + msBeforeNext,
    refused,
  };
}

/**
 * Whether `candidate` describes a tighter limit than `current`: a refusal
 * beats any allowance, then the fewest calls left, then the latest reset.
 * In a batch the response's headers describe the tightest budget touched.
 */
export function isTighter(candidate: RateLimitSnapshot, current: RateLimitSnapshot | undefined): boolean {
  if (current === undefined) return true;
  if (candidate.refused !== current.refused) return candidate.refused;
  if (candidate.remaining !== current.remaining) return candidate.remaining < current.remaining;
  return candidate.resetAtMs > current.resetAtMs;
}

/** The `data.rateLimit` of a 429 (docs/wire-protocol.md). */
export function rateLimitErrorData(snapshot: RateLimitSnapshot, nowMs: number = Date.now()): RateLimitErrorData {
  return {
    limit: snapshot.limit,
    remaining: snapshot.remaining,
    resetAt: new Date(snapshot.resetAtMs).toISOString(),
    retryAfterMs: Math.max(Math.ceil(snapshot.resetAtMs - nowMs), 0),
    policy: snapshot.policy,
  };
}

/** rate-limiter-flexible rejects with a RateLimiterRes for a spent budget and with an Error when its store failed. */
export function isLimitHit(rejection: unknown): rejection is RateLimiterRes {
  return rejection instanceof RateLimiterRes;
}
