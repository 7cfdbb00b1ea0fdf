import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/** One year, the value HSTS preload lists expect. */
const HSTS = 'max-age=31536000; includeSubDomains';

/**
 * Security headers on every response. The API serves JSON, so the policy is
 * as tight as it gets: nothing may load, nothing may frame it, nothing leaks
 * in a Referer. Routes that render HTML (the OAuth form) loosen only what
 * they need through helmet's per-route options.
 */
export async function registerSecurityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(fastifyHelmet, {
    global: true,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'self'"] },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    noSniff: true,
    // Set below from the request's own scheme, so plain-HTTP development never pins HSTS on localhost.
    hsts: false,
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });
  app.addHook('onSend', async (request, reply, payload) => {
    // request.protocol honours X-Forwarded-Proto only from proxies GATEHOUSE_TRUST_PROXY trusts.
    if (request.protocol === 'https') reply.header('strict-transport-security', HSTS);
    // Personal data and tokens must not sit in shared caches: no-store unless a route chose otherwise (JWKS).
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
}
