import type { IncomingHttpHeaders } from 'node:http';
import type { Config } from '../config.js';

/**
 * Whether a request's `Origin` may make a cookie-authenticated call: absent
 * (not a browser's cross-origin request), one of GATEHOUSE_CORS_ORIGINS, the
 * issuer's own origin, or the origin of the host the request was sent to
 * (same-origin). `Origin: null` (sandboxed frames, some redirects) is refused.
 */
export function isAllowedOrigin(headers: IncomingHttpHeaders, config: Pick<Config, 'corsOrigins' | 'issuer'>): boolean {
  const origin = headers.origin;
  if (origin === undefined) return true;
  if (config.corsOrigins.includes(origin)) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (parsed.origin !== origin) return false;
  if (origin === new URL(config.issuer).origin) return true;
  return headers.host !== undefined && parsed.host === headers.host;
}
