import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

/** One year, the value HSTS preload lists expect. */
const HSTS = 'max-age=31536000; includeSubDomains';

/**
 * The API serves JSON, so the policy is as tight as it gets: nothing may
 * load, nothing may frame it, nothing leaks in a Referer.
 */
export const SECURITY_HEADER_OPTIONS = {
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
 * Security headers on every response. Routes that render HTML (the OAuth
 * form) loosen only what they need through @fastify/helmet's per-route
 * options (`helmet: {...}` or `helmet: false` on the route), which it still
 * serves. Every other route gets the global policy from one helmet
 * middleware built here, once: @fastify/helmet's global mode builds a new
 * one (parsing the CSP directives again) on every request, about 25 µs.
 */
export async function registerSecurityHeaders(app: FastifyInstance): Promise<void> {
  // global: false: @fastify/helmet answers only routes that carry their own helmet options.
  await app.register(fastifyHelmet, { ...SECURITY_HEADER_OPTIONS, global: false });
  const applyGlobalPolicy = helmet(SECURITY_HEADER_OPTIONS);
  app.addHook('onRequest', function applySecurityHeaders(request, reply, done) {
    // A route with helmet options (or helmet: false) is @fastify/helmet's to serve.
    if ((request.routeOptions.config as { helmet?: unknown }).helmet !== undefined) return done();
    applyGlobalPolicy(request.raw, reply.raw, () => done());
  });
  // A callback hook: an async one costs a promise and a microtask per response, for no await.
  app.addHook('onSend', (request, reply, payload, done) => {
    // request.protocol honours X-Forwarded-Proto only from proxies GATEHOUSE_TRUST_PROXY trusts.
    if (request.protocol === 'https') reply.header('strict-transport-security', HSTS);
    // Personal data and tokens must not sit in shared caches: no-store unless a route chose otherwise (JWKS).
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    done(null, payload);
  });
}
