import type { FastifyInstance } from 'fastify';
import type { Dependencies } from '../dependencies.js';

/** Public discovery documents: the JWKS that lets anyone verify Gatehouse's tokens. */
export function registerWellKnownRoutes(app: FastifyInstance, deps: Dependencies): void {
  app.get('/.well-known/jwks.json', async (_request, reply) => {
    // Short caching: verifiers pick up a rotated key within minutes.
    reply.header('cache-control', 'public, max-age=300');
    return deps.signingKeys.publicJwks;
  });
}
