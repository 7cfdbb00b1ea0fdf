import helmet from 'helmet';

/** One year, the value HSTS preload lists expect. */
const HSTS = 'max-age=31536000; includeSubDomains';

/**
 * The policy of an HTML page (the OAuth authorize form) and the base of a
 * route's own helmet options: helmet's defaults, as tight as they get, since
 * nothing may load, nothing may frame the page, nothing leaks in a Referer.
 */
export const PAGE_SECURITY_HEADER_OPTIONS = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'self'"] },
  },
  frameguard: { action: 'deny' as const },
  referrerPolicy: { policy: 'no-referrer' as const },
  noSniff: true,
  // Set below from the request's own scheme, so plain-HTTP development never pins HSTS on localhost.
  hsts: false,
  crossOriginResourcePolicy: { policy: 'same-origin' as const },
} satisfies Parameters<typeof helmet>[0];

/**
 * The policy of JSON and plain-text answers, the API's (the edge chooses
 * by Content-Type, edge-response-headers.ts): the page policy without the
 * four headers that only ever act on an HTML document a browser renders,
 * which such an answer, with nosniff, never is. X-XSS-Protection only
 * switches off an XSS auditor that current browsers no longer have (Chrome
 * removed its own in 2019), X-Download-Options only the "open" button of
 * Internet Explorer 8's download dialog, X-DNS-Prefetch-Control the
 * prefetching of a document's links, and Origin-Agent-Cluster how a
 * document's scripts are grouped. OWASP's REST Security Cheat Sheet asks an
 * API for Cache-Control, a CSP with frame-ancestors, Content-Type, HSTS,
 * nosniff and X-Frame-Options; this keeps those and CORP, COOP,
 * Referrer-Policy and X-Permitted-Cross-Domain-Policies besides. Each header
 * costs Node about 0.3 µs to validate and write on every answer
 * (bench/src/header-cost.mjs).
 */
export const API_SECURITY_HEADER_OPTIONS = {
  ...PAGE_SECURITY_HEADER_OPTIONS,
  xXssProtection: false,
  xDownloadOptions: false,
  xDnsPrefetchControl: false,
  originAgentCluster: false,
} satisfies Parameters<typeof helmet>[0];

/**
 * The headers helmet sends under each policy, as lower-case [name, value]
 * pairs: read once at start-up by running helmet's own middleware against a
 * recorder. The policies have no per-request part (no nonces), so every
 * response can carry one of these lists; building helmet's middleware chain
 * per request cost about 25 µs, running it about 10 µs.
 */
export const PAGE_SECURITY_HEADERS: ReadonlyArray<readonly [string, string]> = recordHelmetHeaders(PAGE_SECURITY_HEADER_OPTIONS);
export const API_SECURITY_HEADERS: ReadonlyArray<readonly [string, string]> = recordHelmetHeaders(API_SECURITY_HEADER_OPTIONS);

/** Strict-Transport-Security, only for requests that arrived over HTTPS (never on plain-HTTP development). */
export const HSTS_HEADER = ['strict-transport-security', HSTS] as const;

function recordHelmetHeaders(options: Parameters<typeof helmet>[0]): ReadonlyArray<readonly [string, string]> {
  const recorded = new Map<string, string>();
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      recorded.set(name.toLowerCase(), Array.isArray(value) ? value.join(', ') : String(value));
    },
    removeHeader(name: string) {
      recorded.delete(name.toLowerCase());
    },
  };
  let finished = false;
  helmet(options)(
    {} as Parameters<ReturnType<typeof helmet>>[0],
    recorder as unknown as Parameters<ReturnType<typeof helmet>>[1],
    (error?: unknown) => {
      if (error !== undefined) throw error;
      finished = true;
    },
  );
  // helmet's middleware is synchronous today; if a version ever is not, fail at start-up, not with missing headers.
  if (!finished) throw new Error('helmet did not finish synchronously: the security headers cannot be recorded');
  return Object.freeze([...recorded].map(([name, value]) => Object.freeze([name, value] as const)));
}
