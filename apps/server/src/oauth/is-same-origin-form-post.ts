import type { IncomingHttpHeaders } from 'node:http';
import type { Config } from '../config.js';

/**
 * Whether a POST to /oauth/authorize came from Gatehouse's own authorize
 * page. The form's CSRF token already binds a POST to a page this server
 * rendered, and the sign-in cookie is SameSite=Lax (never sent on a
 * cross-site POST); this refuses the rest outright, before any password is
 * checked or any session used: a form on another origin, including a sibling
 * on the same site, which SameSite does not tell apart.
 *
 * Fetch Metadata first (`Sec-Fetch-Site`, set by the browser, unforgeable by
 * a page): only `same-origin`, or `none` for a request no page started. A
 * client without it (older browsers, scripts, curl) is judged by `Origin`:
 * absent, or this server's own origin; `null` (sandboxed frames, opaque
 * redirects) is refused.
 */
export function isSameOriginFormPost(headers: IncomingHttpHeaders, config: Pick<Config, 'issuer'>): boolean {
  const site = headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin' || site === 'none';
  const origin = headers.origin;
  if (origin === undefined) return true;
  if (origin === new URL(config.issuer).origin) return true;
  try {
    const parsed = new URL(origin);
    return parsed.origin === origin && headers.host !== undefined && parsed.host === headers.host;
  } catch {
    return false;
  }
}
