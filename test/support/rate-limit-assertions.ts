import { expect } from 'vitest';
import type { RawResponse } from './http.js';

const escapeName = (policy: string) => policy.replace(/[.+]/g, '\\$&');

/** The rate-limit headers of every rate-limited response (docs/wire-protocol.md), for one policy. */
export function expectRateLimitHeaders(response: RawResponse, limit: number, remaining: number, policy: string): void {
  expect(response.headers.get('x-ratelimit-limit')).toBe(String(limit));
  expect(response.headers.get('x-ratelimit-remaining')).toBe(String(remaining));
  const reset = Number(response.headers.get('x-ratelimit-reset'));
  expect(reset).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000));
  expect(response.headers.get('ratelimit-policy')).toMatch(new RegExp(`^"${escapeName(policy)}";q=${limit};w=\\d+$`));
  expect(response.headers.get('ratelimit')).toMatch(new RegExp(`^"${escapeName(policy)}";r=${remaining};t=\\d+$`));
}

/** A 429 as docs/wire-protocol.md describes it: Retry-After, `data.rateLimit`, and the rate-limit headers of the refusing policy. */
export function expect429(response: RawResponse, policy: string, limit: number): void {
  expect(response.status).toBe(429);
  const retryAfter = Number(response.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  const data = response.body.error.data;
  expect(data.code).toBe('TOO_MANY_REQUESTS');
  expect(data.rateLimit).toMatchObject({ limit, remaining: 0, policy });
  expect(Date.parse(data.rateLimit.resetAt)).toBeGreaterThan(Date.now() - 1000);
  expect(data.rateLimit.retryAfterMs).toBeGreaterThan(0);
  expect(Math.ceil(data.rateLimit.retryAfterMs / 1000)).toBeLessThanOrEqual(retryAfter);
  expectRateLimitHeaders(response, limit, 0, policy);
}
