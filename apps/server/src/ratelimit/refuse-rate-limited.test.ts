import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { RateLimitExceededError } from '../errors/rate-limit-exceeded-error.js';
import { createResponseHeaders } from '../response-headers.js';
import { createLimiter } from './create-limiter.js';
import type { RateLimitSnapshot } from './rate-limit-snapshot.js';
import { refuseRateLimited, type RateLimitedResponse } from './refuse-rate-limited.js';
import { createRequestRateLimit } from './request-rate-limit.js';

/** The 429 a refusal throws, read back as the error the client decodes. */
function refusalOf(ctx: RateLimitedResponse, snapshot: RateLimitSnapshot): RateLimitExceededError {
  try {
    refuseRateLimited(ctx, snapshot);
  } catch (error) {
    expect(error).toBeInstanceOf(TRPCError);
    expect((error as TRPCError).code).toBe('TOO_MANY_REQUESTS');
    return (error as TRPCError).cause as RateLimitExceededError;
  }
  return expect.unreachable('refuseRateLimited always throws');
}

describe('refuseRateLimited', () => {
  it('answers each refusal with its own budget, and the batch’s response with the longest wait it met', () => {
    const batch: RateLimitedResponse = {
      rateLimit: createRequestRateLimit({ calls: ['a', 'b'], policyForPath: () => undefined, limiterFor: (policy) => createLimiter(policy, { kind: 'memory' }) }),
      responseHeaders: createResponseHeaders(),
    };
    const now = Date.now();
    const hourLong: RateLimitSnapshot = { policy: 'hour', limit: 5, remaining: 0, windowSeconds: 3600, resetAtMs: now + 3_600_000, refused: true };
    const secondLong: RateLimitSnapshot = { policy: 'second', limit: 5, remaining: 0, windowSeconds: 1, resetAtMs: now + 1_000, refused: true };
    expect(refusalOf(batch, hourLong).data).toMatchObject({ policy: 'hour', remaining: 0 });
    expect(refusalOf(batch, secondLong).data).toMatchObject({ policy: 'second', remaining: 0 });
    // A client that waits what the response says is not refused by either budget.
    const headers = Object.fromEntries(batch.responseHeaders.entries());
    expect(headers).toMatchObject({ 'ratelimit-policy': '"hour";q=5;w=3600' });
    expect(Number(headers['retry-after'])).toBeGreaterThan(3_590);
  });
});
