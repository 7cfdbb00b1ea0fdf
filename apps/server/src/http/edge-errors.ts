import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import type { ConnectionError, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { applyEdgeResponseHeaders, edgeResponseHeaders } from './response-headers.js';

/** The tRPC code for an HTTP status answered before tRPC ran (414 and 431 have none: BAD_REQUEST, with their own status). */
const CODE_BY_STATUS: Readonly<Record<number, TRPC_ERROR_CODE_KEY>> = {
  400: 'BAD_REQUEST',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_SUPPORTED',
  408: 'TIMEOUT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
  503: 'SERVICE_UNAVAILABLE',
};

/** Fixed sentences: an edge error never echoes the URL, a header or the body it refused. */
const MESSAGES: Readonly<Record<number, string>> = {
  400: 'The request could not be read',
  404: 'Nothing is served at this path',
  405: 'This method is not allowed here',
  408: 'The request took too long to arrive',
  413: 'The request body is too large',
  414: 'The request target is too long',
  415: 'Unsupported content type: send application/json',
  429: 'Too many requests',
  431: 'The request headers are too large',
  500: 'Internal server error',
  503: 'The server is shutting down: retry on another connection',
};

/** Which error shape a request gets: tRPC's under /trpc, the OAuth endpoints' (RFC 6749 section 5.2) elsewhere. */
export type EdgeSurface = 'trpc' | 'http';

/**
 * The surface of a request, from the route the router chose when there is
 * one, else from its path as the router reads it (absolute-form targets
 * reduced to their path, escapes decoded), never from the raw request line.
 */
export function surfaceOf(route: string | undefined, url: string): EdgeSurface {
  const path = route ?? routerPath(url);
  return path === '/trpc' || path.startsWith('/trpc/') ? 'trpc' : 'http';
}

/**
 * Errors raised before a procedure runs (body over the limit, unreadable
 * body or request line, no such route, a slow or malformed request, a
 * failing non-tRPC route), in tRPC's error shape under /trpc so clients parse
 * them like any other, else as `{ error, error_description }`; always with
 * the request id and a fixed message, never a stack or an internal message.
 */
export function edgeErrorBody(error: Pick<FastifyError, 'statusCode'>, requestId: string, surface: EdgeSurface) {
  const statusCode = error.statusCode;
  // A client error keeps its status; anything else is a 500 that says nothing of its cause.
  const status = statusCode !== undefined && ((statusCode >= 400 && statusCode < 500) || statusCode === 503) ? statusCode : 500;
  const code: TRPC_ERROR_CODE_KEY = CODE_BY_STATUS[status] ?? (status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST');
  const message = MESSAGES[status] ?? 'The request was refused';
  const body =
    surface === 'trpc'
      ? { error: { message, code: TRPC_ERROR_CODES_BY_KEY[code], data: { code, httpStatus: status, requestId } } }
      : { error: code.toLowerCase(), error_description: message, requestId };
  return { status, body };
}

/** tRPC answers with this message when it reads the client's Content-Type itself (and leaves its closing quote off). */
const UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE';

/**
 * A tRPC error body as the client receives it, with the request id in every
 * error's data. tRPC's formatter adds it from the request's context, but a
 * request refused before its context exists (unsupported content type, too
 * big a batch, mixed procedure types) reaches the formatter without one.
 * The 415 message, which would echo the client's Content-Type, becomes the
 * edge's fixed sentence. A body that is not a tRPC error is left as it is.
 */
export function stampTrpcErrors(body: string, requestId: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return body;
  }
  let changed = false;
  for (const item of Array.isArray(parsed) ? parsed : [parsed]) {
    const error = (item as { error?: { message?: unknown; data?: Record<string, unknown> } } | null)?.error;
    if (typeof error !== 'object' || error === null || typeof error.data !== 'object' || error.data === null) continue;
    if (error.data['requestId'] === undefined) {
      error.data['requestId'] = requestId;
      changed = true;
    }
    if (error.data['code'] === UNSUPPORTED_MEDIA_TYPE && error.message !== MESSAGES[415]) {
      error.message = MESSAGES[415];
      changed = true;
    }
  }
  return changed ? JSON.stringify(parsed) : body;
}

/**
 * Every error the Fastify routes write, in the edge's shape: thrown errors
 * (error handler), requests no route serves (404 handler), and the bodies
 * tRPC's adapter writes for requests it refused before their context existed.
 */
export function registerEdgeErrorHandler(app: FastifyInstance, trpcRoute: string): void {
  app.setErrorHandler(function answerEdgeError(error: FastifyError, request, reply) {
    const { status, body } = edgeErrorBody(error, request.id, surfaceOf(request.routeOptions.url, request.url));
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    return reply.status(status).send(body);
  });
  app.setNotFoundHandler(function answerNotFound(request, reply) {
    const { status, body } = edgeErrorBody({ statusCode: 404 }, request.id, surfaceOf(undefined, request.url));
    return reply.status(status).send(body);
  });
  // A callback hook: only error answers of the tRPC route do any work.
  app.addHook('onSend', function stampTrpcErrorAnswers(request, reply, payload, done) {
    if (request.routeOptions.url !== trpcRoute) return done(null, payload);
    // tRPC's own adapter sends a Fetch Response; the fast route sends a Buffer.
    if (payload instanceof Response) {
      if (payload.status < 400) return done(null, payload);
      payload.text().then((text) => {
        const headers = new Headers(payload.headers);
        headers.delete('content-length');
        done(null, new Response(stampTrpcErrors(text, request.id), { status: payload.status, statusText: payload.statusText, headers }));
      }, done);
      return;
    }
    if (reply.statusCode < 400 || !Buffer.isBuffer(payload)) return done(null, payload);
    done(null, Buffer.from(stampTrpcErrors(payload.toString('utf8'), request.id)));
  });
}

/**
 * Fastify's frameworkErrors: a request line the router cannot read (an
 * invalid percent-escape, a path parameter over maxParamLength). Fastify's
 * own answer quotes the whole URL, query included.
 */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : 400;
  const { body } = edgeErrorBody({ statusCode: status }, request.id, surfaceOf(undefined, request.url));
  // Routing failed, so this reply may skip the hooks: the edge headers are set here (deciding them twice changes nothing).
  applyEdgeResponseHeaders(request, reply, NO_ORIGINS);
  void reply.status(status).send(body);
}

/**
 * Node's clientError: a request Node refused before any route saw it
 * (malformed, headers too large, too slow to arrive). Answered in the edge
 * shape with a fresh request id, then the connection is closed.
 */
export function answerClientError(error: ConnectionError, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  if (socket.writable) {
    const requestId = randomUUID();
    // Node hands the bytes it could not parse as a Buffer (Fastify's type says otherwise); only the request target is read.
    const packet: unknown = error.rawPacket;
    const requestLine = Buffer.isBuffer(packet) ? (packet.subarray(0, 256).toString('latin1').split('\r\n', 1)[0] ?? '') : '';
    const { body } = edgeErrorBody({ statusCode: status }, requestId, surfaceOf(undefined, requestLine.split(' ')[1] ?? ''));
    const json = JSON.stringify(body);
    // No request was read: no route, no origin, no trusted scheme (so no HSTS), and no CORS.
    const edge = edgeResponseHeaders({ requestId, protocol: 'http', method: '', origin: undefined, route: undefined, routeSecurityPolicy: false }, () => undefined, NO_ORIGINS);
    const headers = [
      `HTTP/1.1 ${status} ${STATUS_TEXT[status]}`,
      'content-type: application/json; charset=utf-8',
      `content-length: ${Buffer.byteLength(json)}`,
      'connection: close',
      ...edge.map(([name, value]) => `${name}: ${value}`),
    ];
    socket.write(`${headers.join('\r\n')}\r\n\r\n${json}`);
  }
  socket.destroy();
}

/** Answers written before routing name no route, so no origin gets CORS. */
const NO_ORIGINS: ReadonlySet<string> = new Set();

const STATUS_TEXT: Readonly<Record<number, string>> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

/** The path find-my-way routes: absolute-form targets reduced to their path, no query, escapes decoded where valid. */
function routerPath(url: string): string {
  let path = url;
  if (!path.startsWith('/')) path = path.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '') || '/';
  const queryStart = path.indexOf('?');
  if (queryStart !== -1) path = path.slice(0, queryStart);
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
