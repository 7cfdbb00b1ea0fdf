import type { FastifyInstance, HTTPMethods } from 'fastify';
import { OAuthError } from './oauth-error.js';
import { sendOAuthError } from './oauth-reply.js';

const METHODS: readonly HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * The other methods of an OAuth endpoint answer 405 with `Allow` (RFC 9110
 * section 15.5.6) and an OAuth-shaped body (RFC 6749 section 5.2), so a
 * client that sends `GET /oauth/token` learns what went wrong in the
 * vocabulary it parses, not from a router's 404. OPTIONS is left to CORS.
 */
export function answerOtherMethods(app: FastifyInstance, url: string, allowed: readonly HTTPMethods[]): void {
  const allowHeader = allowed.join(', ');
  const others = METHODS.filter((method) => !allowed.includes(method));
  app.route({
    method: [...others],
    url,
    // HEAD is listed explicitly when it is not allowed; Fastify must not derive one from a GET here.
    exposeHeadRoute: false,
    handler: (_request, reply) =>
      sendOAuthError(reply.header('allow', allowHeader), new OAuthError('invalid_request', `This endpoint accepts ${allowHeader} only`, { status: 405 })),
  });
}
