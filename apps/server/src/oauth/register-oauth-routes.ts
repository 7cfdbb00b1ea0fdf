import formBody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
import type { Dependencies } from '../dependencies.js';
import type { Seed } from '../seed/seed-schema.js';
import { registerAuthorizeEndpoint } from './authorize-endpoint.js';
import { answerOtherMethods } from './answer-other-methods.js';
import { registerMetadataRoutes } from './metadata-routes.js';
import { createOAuthServices } from './oauth-services.js';
import { registerIntrospectEndpoint } from './introspect-endpoint.js';
import { registerRevokeEndpoint } from './revoke-endpoint.js';
import { registerTokenEndpoint } from './token-endpoint.js';

/**
 * The OAuth 2.0 endpoints, in their own Fastify scope so that form bodies are
 * parsed there and nowhere else (the tRPC API speaks JSON only).
 */
export async function registerOAuthRoutes(app: FastifyInstance, deps: Dependencies, _seed: Seed | undefined): Promise<void> {
  // The seed's clients are in the store already (seed/apply-seed-clients.ts, at start): the registry reads the store.
  const oauth = createOAuthServices(deps);
  registerMetadataRoutes(app, deps.config);
  await app.register(async (scope) => {
    await scope.register(formBody);
    registerAuthorizeEndpoint(scope, deps, oauth);
    registerTokenEndpoint(scope, deps, oauth);
    registerRevokeEndpoint(scope, deps, oauth);
    registerIntrospectEndpoint(scope, deps, oauth);
    answerOtherMethods(scope, '/oauth/authorize', ['GET', 'HEAD', 'POST']);
    for (const url of ['/oauth/token', '/oauth/revoke', '/oauth/introspect']) answerOtherMethods(scope, url, ['POST']);
  });
}
