import type { ResponseHeaders } from '../response-headers.js';
import { RateLimitExceededError } from '../errors/rate-limit-exceeded-error.js';
import { writeRateLimitHeaders } from './rate-limit-headers.js';
import { rateLimitErrorData, type RateLimitSnapshot } from './rate-limit-snapshot.js';
import type { RequestRateLimit } from './request-rate-limit.js';

/** Where a request's rate-limit answer goes: the budget its batch shares, and the headers its response will carry. */
export interface RateLimitedResponse {
  readonly rateLimit: RequestRateLimit;
  readonly responseHeaders: ResponseHeaders;
}

/**
 * Answers a spent budget: the 429 every limiter gives, whichever refused
 * (contract policies, the login guard, the credential-stuffing policy, an
 * enumeration block). The response carries the snapshot's X-RateLimit-* /
 * RateLimit-Policy / RateLimit / Retry-After headers (unless a batch call
 * already wrote a tighter one) and the error's `data.rateLimit` (docs/wire-protocol.md).
 */
export function refuseRateLimited(ctx: RateLimitedResponse, snapshot: RateLimitSnapshot): never {
  if (ctx.rateLimit.consider(snapshot)) writeRateLimitHeaders(ctx.responseHeaders, snapshot);
  throw new RateLimitExceededError(rateLimitErrorData(snapshot)).toTRPCError();
}
