import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import type { FastifyError, FastifyInstance } from 'fastify';

/** The tRPC code for an HTTP status Fastify answered before tRPC ran. */
const CODE_BY_STATUS: Readonly<Record<number, TRPC_ERROR_CODE_KEY>> = {
  400: 'BAD_REQUEST',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_SUPPORTED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
};

const MESSAGES: Readonly<Partial<Record<TRPC_ERROR_CODE_KEY, string>>> = {
  BAD_REQUEST: 'The request could not be read',
  PAYLOAD_TOO_LARGE: 'The request body is too large',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported content type',
  INTERNAL_SERVER_ERROR: 'Internal server error',
};

/**
 * Errors raised before a procedure runs (body over the limit, unreadable
 * body, a failing non-tRPC route), answered in tRPC's error shape under
 * /trpc so clients parse them like any other, with the request id and never
 * a stack or an internal message.
 */
export function edgeErrorBody(error: Pick<FastifyError, 'statusCode' | 'message'>, requestId: string, url: string) {
  const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
  const code: TRPC_ERROR_CODE_KEY = CODE_BY_STATUS[status] ?? (status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST');
  const message = MESSAGES[code] ?? 'The request was refused';
  const body = url.startsWith('/trpc')
    ? { error: { message, code: TRPC_ERROR_CODES_BY_KEY[code], data: { code, httpStatus: status, requestId } } }
    : { error: code.toLowerCase(), error_description: message, requestId };
  return { status, body };
}

export function registerEdgeErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler(function answerEdgeError(error: FastifyError, request, reply) {
    const { status, body } = edgeErrorBody(error, request.id, request.url);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    return reply.status(status).send(body);
  });
}
