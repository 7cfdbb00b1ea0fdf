import { RateLimiterRes } from 'rate-limiter-flexible';
import { describe, expect, it } from 'vitest';
import { createResponseHeaders } from '../response-headers.js';
import { rateLimitHeaders, writeRateLimitHeaders } from './rate-limit-headers.js';
import { isTighter, rateLimitErrorData, snapshotOf, type RateLimitSnapshot } from './rate-limit-snapshot.js';

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

describe('a budget past its reset', () => {
  it('says zero seconds to reset, yet asks a refused client to wait at least one second', () => {
    const late = snapshot({ refused: true, remaining: 0, resetAtMs: now - 2_500 });
    expect(rateLimitHeaders(late, now)).toMatchObject({ ratelimit: '"auth.login:email+ip";r=0;t=0', 'retry-after': '1' });
    expect(rateLimitErrorData(late, now).retryAfterMs).toBe(0);
  });
});

describe('snapshotOf', () => {
  const spec = { name: 'unit.snapshot', points: 5, durationSeconds: 60, blockDurationSeconds: 0 };

  it('reports what is left and when the window ends', () => {
    expect(snapshotOf(spec, new RateLimiterRes(3, 1_200, 2), false, now)).toEqual({
      policy: 'unit.snapshot',
      limit: 5,
      remaining: 3,
      windowSeconds: 60,
      resetAtMs: now + 1_200,
      refused: false,
    });
  });

  it('never reports less than nothing left, nor a reset in the past for a key without expiry', () => {
    expect(snapshotOf(spec, new RateLimiterRes(0, -1, 7), false, now)).toMatchObject({ remaining: 0, resetAtMs: now });
    expect(snapshotOf(spec, new RateLimiterRes(4, 900, 1), true, now)).toMatchObject({ remaining: 0, refused: true });
  });
});

describe('the tightest of two snapshots with as many calls left', () => {
  it('is the one that resets later', () => {
    expect(isTighter(snapshot({ resetAtMs: now + 2_000 }), snapshot({ resetAtMs: now + 1_000 }))).toBe(true);
    expect(isTighter(snapshot({ resetAtMs: now + 1_000 }), snapshot({ resetAtMs: now + 2_000 }))).toBe(false);
    expect(isTighter(snapshot(), snapshot())).toBe(false);
    expect(isTighter(snapshot(), undefined)).toBe(true);
  });
});

describe('writeRateLimitHeaders', () => {
  it('writes every header of the snapshot onto the response, replacing a looser snapshot’s', () => {
    const headers = createResponseHeaders();
    writeRateLimitHeaders(headers, snapshot({ remaining: 4, resetAtMs: Date.now() + 30_000 }));
    writeRateLimitHeaders(headers, snapshot({ policy: 'quote"d', refused: true, remaining: 0, resetAtMs: Date.now() + 30_000 }));
    const written = Object.fromEntries(headers.entries());
    expect(Object.keys(written).sort()).toEqual(['ratelimit', 'ratelimit-policy', 'retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']);
    expect(written).toMatchObject({ 'x-ratelimit-remaining': '0', 'ratelimit-policy': '"quote\\"d";q=5;w=86400', 'retry-after': '30' });
  });
});

