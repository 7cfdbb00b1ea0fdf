import fastifyCors, { type FastifyCorsOptions } from '@fastify/cors';
import { CSRF_HEADER } from '@gatehouse/contracts';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';

/**
 * Routes (and the routes below them) that never answer CORS, whatever the
 * origin. The OAuth authorize endpoint is a top-level browser navigation
 * with a login form: a cross-origin script must never read or drive it.
 */
export const CORS_EXCLUDED_ROUTES = ['/oauth/authorize'] as const;

/**
 * Headers a browser app may send: credentials, JSON, tRPC's streaming opt-in,
 * the CSRF header a cookie refresh or logout must carry (auth/require-cookie-csrf.ts), and DPoP proofs.
 */
const ALLOWED_HEADERS = ['authorization', 'content-type', 'x-api-key', CSRF_HEADER, 'trpc-accept', 'dpop'];

/** Headers a browser app may read: what it needs to retry, back off and quote to support. */
const EXPOSED_HEADERS = [
  'x-request-id',
  'retry-after',
  'www-authenticate',
  // RFC 9449 sections 8 and 9: a browser app signs its next DPoP proof with this nonce.
  'dpop-nonce',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'ratelimit',
  'ratelimit-policy',
];

const NO_CORS: FastifyCorsOptions = { origin: false };

/**
 * The CORS options for one request, decided on the route the router chose
 * (`request.routeOptions.url`), never on the request line: the router
 * decodes `/oauth/%61uthorize` and takes absolute-form targets
 * (`GET http://host/oauth/authorize`), so a check on the raw URL would miss
 * them. None on excluded routes, on requests no route serves, or for
 * origins not listed exactly in GATEHOUSE_CORS_ORIGINS; for a listed
 * origin, that origin echoed back (never `*`) with credentials allowed.
 */
export function corsOptionsFor(route: string | undefined, origin: string | undefined, allowedOrigins: ReadonlySet<string>): FastifyCorsOptions {
  if (route === undefined || isExcludedRoute(route)) return NO_CORS;
  if (origin === undefined || !allowedOrigins.has(origin)) return NO_CORS;
  return {
    origin,
    credentials: true,
    methods: ['GET', 'POST'],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
    strictPreflight: true,
  };
}

const NO_CORS_HEADERS: ReadonlyArray<readonly [string, string]> = [];

/** The headers corsResponseHeaders answers a listed origin with, in order. */
export const CORS_RESPONSE_HEADER_NAMES = ['access-control-allow-origin', 'access-control-allow-credentials', 'access-control-expose-headers'] as const;

/**
 * The CORS headers of an answer to a request that is not a preflight, under
 * corsOptionsFor, as @fastify/cors would add them (its Vary: Origin is
 * edge-response-headers.ts's, which adds it to every answer). Preflights
 * (OPTIONS) are @fastify/cors's own, registered below.
 */
export function corsResponseHeaders(
  route: string,
  origin: string | undefined,
  allowedOrigins: ReadonlySet<string>,
): ReadonlyArray<readonly [string, string]> {
  // Most calls carry no Origin (servers, curl): no CORS to decide.
  if (origin === undefined || !allowedOrigins.has(origin)) return NO_CORS_HEADERS;
  if (corsOptionsFor(route, origin, allowedOrigins).origin === false) return NO_CORS_HEADERS;
  const [allowOrigin, allowCredentials, exposeHeaders] = CORS_RESPONSE_HEADER_NAMES;
  return [
    [allowOrigin, origin],
    [allowCredentials, 'true'],
    [exposeHeaders, EXPOSED_HEADERS.join(', ')],
  ];
}

/**
 * Preflights only: @fastify/cors answers OPTIONS requests (its hook runs
 * before routing decides, so a preflight to /trpc/... never reaches tRPC).
 * For every other request its delegator says no CORS, and the CORS headers
 * are decided with the rest of the edge headers (edge-response-headers.ts), on
 * both tRPC paths alike. (It still adds Vary: Origin, as the edge does;
 * Vary keeps one Origin.)
 */
export async function registerCors(app: FastifyInstance, config: Pick<Config, 'corsOrigins'>): Promise<void> {
  const allowed = new Set(config.corsOrigins);
  await app.register(fastifyCors, {
    delegator: (request, callback) =>
      callback(null, request.method === 'OPTIONS' ? corsOptionsFor(request.routeOptions.url, request.headers.origin, allowed) : NO_CORS),
  });
  // A preflight is routed to @fastify/cors's catch-all OPTIONS route, which names no path. Excluded paths get an
  // OPTIONS route of their own, so the router (escapes, absolute form and all) tells their preflights apart.
  for (const route of CORS_EXCLUDED_ROUTES) {
    app.options(route, function refusePreflight(_request, reply) {
      // What the catch-all answers a preflight that CORS refused.
      reply.callNotFound();
    });
  }
}

function isExcludedRoute(route: string): boolean {
  return CORS_EXCLUDED_ROUTES.some((excluded) => route === excluded || route.startsWith(`${excluded}/`));
}
