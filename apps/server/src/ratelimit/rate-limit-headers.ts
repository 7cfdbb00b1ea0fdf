import type { ResponseHeaders } from '../context.js';
import { quotedString } from '../headers/quoted-string.js';
import type { RateLimitSnapshot } from './rate-limit-snapshot.js';

const quotedPolicyNames = new Map<string, string>();

/** RFC 8941 sf-string of a policy name. Policy names are ASCII by construction. */
function sfString(value: string): string {
  let quoted = quotedPolicyNames.get(value);
  if (quoted === undefined) {
    quoted = quotedString(value);
    // Policy names come from the contracts and config: a handful, quoted once each rather than on every call.
    if (quotedPolicyNames.size < 1_000) quotedPolicyNames.set(value, quoted);
  }
  return quoted;
}

/**
 * The headers of a rate-limited response:
 * - the de facto `X-RateLimit-Limit`, `-Remaining`, `-Reset` (epoch seconds);
 * - draft-ietf-httpapi-ratelimit-headers' structured fields,
 *   `RateLimit-Policy: "name";q=<quota>;w=<window s>` and
 *   `RateLimit: "name";r=<remaining>;t=<seconds until reset>`;
 * - on a refusal, `Retry-After` in whole seconds, rounded up (RFC 9110 section 10.2.3)
 *   so a client that waits exactly that long is not refused again.
 */
export function rateLimitHeaders(snapshot: RateLimitSnapshot, nowMs: number = Date.now()): Record<string, string> {
  const secondsToReset = Math.max(Math.ceil((snapshot.resetAtMs - nowMs) / 1000), 0);
  const name = sfString(snapshot.policy);
  const headers: Record<string, string> = {
    'x-ratelimit-limit': String(snapshot.limit),
    'x-ratelimit-remaining': String(snapshot.remaining),
    'x-ratelimit-reset': String(Math.ceil(snapshot.resetAtMs / 1000)),
    'ratelimit-policy': `${name};q=${snapshot.limit};w=${snapshot.windowSeconds}`,
    ratelimit: `${name};r=${snapshot.remaining};t=${secondsToReset}`,
  };
  if (snapshot.refused) headers['retry-after'] = String(Math.max(secondsToReset, 1));
  return headers;
}

/** Writes a snapshot's headers onto the response, replacing an earlier, looser snapshot's. */
export function writeRateLimitHeaders(target: ResponseHeaders, snapshot: RateLimitSnapshot): void {
  const headers = rateLimitHeaders(snapshot);
  for (const name in headers) target.set(name, headers[name] as string);
}
