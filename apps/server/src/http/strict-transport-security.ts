import type { FastifyInstance } from 'fastify';

/**
 * RFC 6797: one year, without includeSubDomains, because Gatehouse cannot
 * know that every sibling host serves HTTPS. Sent only over TLS (section
 * 7.2: a plain-HTTP response must not carry it).
 */
export const STRICT_TRANSPORT_SECURITY = 'max-age=31536000';

export function registerStrictTransportSecurity(app: FastifyInstance): void {
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('strict-transport-security', STRICT_TRANSPORT_SECURITY);
  });
}
