import type { FastifyReply } from 'fastify';
import { OAuthError } from './oauth-error.js';

/** RFC 6749 section 5.1: token responses are never cached. */
export function sendNoStoreJson(reply: FastifyReply, body: object, status = 200) {
  return reply.status(status).header('cache-control', 'no-store').header('pragma', 'no-cache').send(body);
}

/** RFC 6749 section 5.2 error body; 401 invalid_client also challenges for Basic, as the RFC asks. */
export function sendOAuthError(reply: FastifyReply, error: OAuthError) {
  if (error.status === 401) reply.header('www-authenticate', 'Basic realm="gatehouse", charset="UTF-8"');
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  // RFC 6749 section 5.2 allows further members: the request id support searches the logs for, as on every error.
  return sendNoStoreJson(reply, { ...error.toJSON(), requestId: reply.request.id }, error.status);
}

/**
 * The form body of an OAuth request as single strings. RFC 6749 section 3.2:
 * parameters sent more than once are invalid_request, not "the first one wins".
 */
export function readFormParameters(body: unknown): Record<string, string> {
  if (typeof body !== 'object' || body === null) {
    throw new OAuthError('invalid_request', 'The request body must be application/x-www-form-urlencoded');
  }
  const parameters: Record<string, string> = {};
  for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
    if (typeof value !== 'string') throw new OAuthError('invalid_request', `${name} must appear once`);
    if (value !== '') parameters[name] = value;
  }
  return parameters;
}
