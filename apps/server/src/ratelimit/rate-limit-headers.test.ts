import { describe, expect, it } from 'vitest';
import { rateLimitHeaders } from './rate-limit-headers.js';
import { isTighter, rateLimitErrorData, type RateLimitSnapshot } from './rate-limit-snapshot.js';

const now = Date.parse('2026-01-01T00:00:00.000Z');
const snapshot = (overrides: Partial<RateLimitSnapshot> = {}): RateLimitSnapshot => ({
  policy: 'auth.login:email+ip',
  limit: 5,
  remaining: 2,
  windowSeconds: 86_400,
  resetAtMs: now + 1_500,
  refused: false,
  ...overrides,
});

describe('rate-limit headers', () => {
  it('writes the X-RateLimit trio and the IETF structured fields, with reset in epoch seconds', () => {
    expect(rateLimitHeaders(snapshot(), now)).toEqual({
      'x-ratelimit-limit': '5',
      'x-ratelimit-remaining': '2',
      'x-ratelimit-reset': String(Math.ceil((now + 1_500) / 1000)),
      'ratelimit-policy': '"auth.login:email+ip";q=5;w=86400',
      ratelimit: '"auth.login:email+ip";r=2;t=2',
    });
  });

  it('adds Retry-After on a refusal, rounded up so waiting it out is enough', () => {
    const headers = rateLimitHeaders(snapshot({ refused: true, remaining: 0, resetAtMs: now + 899_001 }), now);
    expect(headers['retry-after']).toBe('900');
    expect(rateLimitErrorData(snapshot({ refused: true, remaining: 0, resetAtMs: now + 899_001 }), now)).toEqual({
      limit: 5,
      remaining: 0,
      resetAt: new Date(now + 899_001).toISOString(),
      retryAfterMs: 899_001,
      policy: 'auth.login:email+ip',
    });
  });

  it('ranks a refusal tightest, then the fewest calls left', () => {
    expect(isTighter(snapshot({ refused: true, remaining: 0 }), snapshot({ remaining: 0 }))).toBe(true);
    expect(isTighter(snapshot({ remaining: 1 }), snapshot({ remaining: 2 }))).toBe(true);
    expect(isTighter(snapshot({ remaining: 3 }), snapshot({ remaining: 2 }))).toBe(false);
    expect(isTighter(snapshot({ remaining: 9 }), snapshot({ refused: true, remaining: 0 }))).toBe(false);
  });
});
