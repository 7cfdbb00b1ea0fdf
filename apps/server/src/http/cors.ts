import fastifyCors, { type FastifyCorsOptions } from '@fastify/cors';
import { CSRF_HEADER } from '@gatehouse/contracts';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';

/**
 * Path prefixes that never answer CORS, whatever the origin. The OAuth
 * authorize endpoint is a top-level browser navigation with a login form:
 * a cross-origin script must never be able to read or drive it.
 */
export const CORS_EXCLUDED_PREFIXES = ['/oauth/authorize'] as const;

/**
 * Headers a browser app may send: credentials, JSON, tRPC's streaming opt-in,
 * and the CSRF header a cookie refresh or logout must carry (auth/require-cookie-csrf.ts).
 */
const ALLOWED_HEADERS = ['authorization', 'content-type', 'x-api-key', 'x-csrf-token', CSRF_HEADER, 'trpc-accept'];

/** Headers a browser app may read: what it needs to retry, back off and quote to support. */
const EXPOSED_HEADERS = [
  'x-request-id',
  'retry-after',
  'www-authenticate',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'ratelimit',
  'ratelimit-policy',
];

const NO_CORS: FastifyCorsOptions = { origin: false };

/**
 * The CORS options for one request: none on excluded paths or for origins
 * not listed exactly in GATEHOUSE_CORS_ORIGINS; for a listed origin, that
 * origin echoed back (never `*`) with credentials allowed.
 */
export function corsOptionsFor(url: string, origin: string | undefined, allowedOrigins: ReadonlySet<string>): FastifyCorsOptions {
  const path = url.split('?', 1)[0] ?? '';
  if (CORS_EXCLUDED_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))) return NO_CORS;
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

/** @fastify/cors with a delegator always adds Vary: Origin, allowed or not (the answer depends on it). */
const ONLY_VARY: ReadonlyArray<readonly [string, string]> = [['vary', 'Origin']];

/**
 * The headers @fastify/cors adds to a request that is not a preflight, under
 * corsOptionsFor: for the tRPC fast lane, which answers before Fastify's
 * hooks run. Preflights (OPTIONS) always go through @fastify/cors itself.
 */
export function corsResponseHeaders(
  url: string,
  origin: string | undefined,
  allowedOrigins: ReadonlySet<string>,
): ReadonlyArray<readonly [string, string]> {
  // Most calls carry no Origin (servers, curl): no CORS to decide.
  if (origin === undefined || !allowedOrigins.has(origin)) return ONLY_VARY;
  if (corsOptionsFor(url, origin, allowedOrigins).origin === false) return ONLY_VARY;
  return [
    ['vary', 'Origin'],
    ['access-control-allow-origin', origin],
    ['access-control-allow-credentials', 'true'],
    ['access-control-expose-headers', EXPOSED_HEADERS.join(', ')],
  ];
}

export async function registerCors(app: FastifyInstance, config: Pick<Config, 'corsOrigins'>): Promise<void> {
  const allowed = new Set(config.corsOrigins);
  await app.register(fastifyCors, {
    delegator: (request, callback) => callback(null, corsOptionsFor(request.url, request.headers.origin, allowed)),
  });
}
