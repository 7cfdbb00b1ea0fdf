import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { AnyTRPCRouter } from '@trpc/server';
import type { AnyProcedure } from '@trpc/server/unstable-core-do-not-import';
import type { Dependencies } from '../../dependencies.js';
import { appRouter, type AppRouter } from '../../routers/app-router.js';
import { soleResolverOf } from '../../routers/build-router.js';
import { edgeErrorBody, stampTrpcErrors } from '../edge-errors.js';
import { appendEdgeResponseHeaders, EDGE_REPLACED_HEADERS } from '../edge-response-headers.js';
import { createRequestLogLines } from '../request-log-lines.js';
import { createTrpcContext, logProcedureFailure, MAX_BATCH_SIZE, responseHeadersFor, TRPC_ROUTE } from '../trpc-route.js';
import { clientAddressOf, hostOf, protocolOf, proxyTrustFor, type ProxyTrust } from '../trust-proxy.js';
import { clientAbortSignal } from './client-abort-signal.js';
import { admitToFastLane, type AdmittedCall } from './lane-admission.js';
import { resolveJsonRequest, type JsonRequest, type JsonResponse, type ResolveJsonOptions } from './resolve-json-request.js';

export type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

export interface TrpcFastLane {
  /** Serves the calls it can and hands every other request to `next` (Fastify's own handler). */
  wrap(next: RequestListener): RequestListener;
  /** From now on every request goes to Fastify, which answers 503 while the server closes. */
  stop(): void;
}

/**
 * The tRPC fast lane: plain JSON calls answered straight from Node's request
 * listener, before Fastify routes them. Fastify's per-request work (its
 * request and reply objects, routing, hooks, a child logger) was the largest
 * part left of a protected call's cost; this lane does only what those hooks
 * did for a tRPC call, from the same sources, in one pass:
 *
 * - a request id (uuid v4);
 * - every edge header (request id, security headers, HSTS, CORS, Vary,
 *   no-store) from edgeResponseHeaders, the function Fastify's one onSend
 *   hook calls (edge-response-headers.ts); the scheme and the client's address
 *   are read with Fastify's trust-proxy rules (trust-proxy.ts);
 * - the body limit and content-length checks of Fastify's body reader;
 * - the HTTP response counter, and Fastify's two request log lines at info;
 * - the call itself through resolveJsonRequest (tRPC's resolveResponse
 *   without the Fetch conversions), with the createContext, responseMeta
 *   and onError tRPC's stock adapter gets (trpc-route.ts): procedures,
 *   auth, rate limits and validation are the procedures' own.
 *
 * It takes only what it can answer exactly like tRPC's stock Fastify
 * adapter: GET and POST with a JSON body of a declared length, no
 * streaming, no method override, paths without escapes. Everything else,
 * and everything while the server closes, goes to Fastify unchanged. The
 * differential test (test/fast-trpc-conformance.test.ts) holds the two to
 * the same answers, and lane-tripwires.test.ts fails when a Fastify hook
 * is added that the lane would skip, or when @trpc/server changes.
 */
export function createTrpcFastLane(deps: Dependencies): TrpcFastLane {
  const trust = proxyTrustFor(deps.config.trustProxy);
  const allowedOrigins: ReadonlySet<string> = new Set(deps.config.corsOrigins);
  const bodyLimit = deps.config.bodyLimitBytes;
  const options: ResolveJsonOptions<AppRouter, LaneRequest> = {
    router: appRouter,
    maxBatchSize: MAX_BATCH_SIZE,
    createContext: (info, request) => createTrpcContext(deps, request, info.calls.map((call) => call.path)),
    responseMeta: ({ ctx, errors }) => ({ headers: responseHeadersFor(ctx, errors) }),
    onError: logProcedureFailure(deps),
    soleResolverOf,
  };
  const requestLines = createRequestLogLines(deps.logger);
  let open = true;
  // A subscription answers only through tRPC's adapter, and a POST's body cannot be handed over once read:
  // with any subscription in the router, POSTs go to Fastify whole (there are none today).
  const router: AnyTRPCRouter = appRouter;
  const procedures = Object.values(router._def.procedures as Record<string, AnyProcedure>);
  const postsAllowed = !procedures.some((procedure) => procedure._def.type === 'subscription');

  async function serve(raw: IncomingMessage, response: ServerResponse, call: AdmittedCall, next: RequestListener): Promise<void> {
    const started = performance.now();
    const request = new LaneRequest(randomUUID(), raw, call.searchParams, trust);
    // Fastify's two lines, with its child logger's reqId binding written as a field: the same line, without a
    // child logger (and its bindings serialised) per request.
    const logging = deps.logger.isLevelEnabled('info');
    if (logging) requestLines.incoming(request);
    let answer: JsonResponse;
    try {
      const body = call.method === 'POST' ? await readBody(raw, bodyLimit) : undefined;
      if (typeof body === 'number') {
        answer = edgeAnswer(body, request.id);
      } else {
        const resolved = await resolveJsonRequest(new LaneJsonRequest(call, request, response, body), options);
        // Only subscriptions come back unanswered, and only as GETs (nothing read yet): Fastify's adapter streams them.
        if (resolved === undefined) return next(raw, response);
        // Refused before its context existed (too big a batch, mixed types): tRPC's formatter had no request id to add.
        answer = resolved.status >= 400 && !resolved.body.includes('"requestId"') ? { ...resolved, body: stampTrpcErrors(resolved.body, request.id) } : resolved;
      }
    } catch (cause) {
      deps.logger.error({ err: cause, requestId: request.id }, 'request failed');
      answer = edgeAnswer(500, request.id);
    }
    try {
      response.writeHead(answer.status, responseHeaders(request, answer, allowedOrigins));
      response.end(answer.body);
    } catch (cause) {
      // A header value Node refuses to write (it validates each): a 500 the client can still quote.
      deps.logger.error({ err: cause, requestId: request.id }, 'request failed');
      if (response.headersSent) return void response.destroy();
      answer = edgeAnswer(500, request.id);
      response.writeHead(answer.status, responseHeaders(request, answer, allowedOrigins));
      response.end(answer.body);
    }
    deps.metrics.httpResponses.inc({ status: String(answer.status) });
    if (logging) requestLines.completed(request.id, answer.status, performance.now() - started);
  }

  return {
    wrap(next) {
      return function trpcFastLane(raw, response) {
        const call = open ? admitToFastLane(raw, bodyLimit) : undefined;
        if (call === undefined || (call.method === 'POST' && !postsAllowed)) return next(raw, response);
        serve(raw, response, call, next).catch((error: unknown) => {
          // Only a failure while answering a failure gets here: the connection is all that is left to end.
          deps.logger.error({ err: error }, 'tRPC fast lane failed');
          response.destroy();
        });
      };
    },
    stop() {
      open = false;
    },
  };
}

/**
 * The body as Fastify's reader takes it: raw bytes decoded once as UTF-8,
 * no more than the limit, exactly the declared length; a number is the
 * status Fastify answers instead (413, or 400 for a short or broken body).
 */
function readBody(raw: IncomingMessage, limit: number): Promise<string | number> {
  const declared = Number(raw.headers['content-length']);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    raw.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) {
        raw.removeAllListeners('data');
        resolve(413);
        return;
      }
      chunks.push(chunk);
    });
    // A client that leaves mid-body: no 'end' will come, and the answer goes nowhere; settle all the same.
    raw.once('close', () => {
      if (!raw.complete) resolve(400);
    });
    raw.once('end', () => {
      if (received !== declared) resolve(400);
      else resolve(chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks, received).toString('utf8'));
    });
    raw.once('error', () => resolve(400));
  });
}

function edgeAnswer(status: number, requestId: string): JsonResponse {
  const { body } = edgeErrorBody({ statusCode: status }, requestId, 'trpc');
  return { status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(body) };
}

/**
 * The answer's own headers with the edge's (which replace any of the same
 * name, as Fastify's onSend hook does with reply.header), as one flat
 * [name, value, ...] list for writeHead, and the body's length.
 */
function responseHeaders(request: LaneRequest, answer: JsonResponse, allowedOrigins: ReadonlySet<string>): Array<string | string[]> {
  const own = answer.headers;
  const headers: Array<string | string[]> = [];
  // The answer's own first, but for a name the edge may decide over; then the edge's, into the same list.
  let mayClash = false;
  for (const name in own) {
    if (EDGE_REPLACED_HEADERS.has(name)) mayClash = true;
    else headers.push(name, own[name] as string | string[]);
  }
  const edgeStart = headers.length;
  appendEdgeResponseHeaders(
    // The lane admits only what Fastify would route to the tRPC route (lane-admission.ts).
    { requestId: request.id, protocol: request.protocol, method: request.method, origin: request.headers.origin, route: TRPC_ROUTE, routeSecurityPolicy: false },
    (name) => own[name],
    allowedOrigins,
    headers,
  );
  // An own header under such a name stays unless the edge wrote its own (Vary always is; HSTS and CORS may not be).
  if (mayClash) {
    const edgeEnd = headers.length;
    for (const name in own) {
      if (EDGE_REPLACED_HEADERS.has(name) && !decidesHeader(headers, edgeStart, edgeEnd, name)) headers.push(name, own[name] as string | string[]);
    }
  }
  headers.push('content-length', String(Buffer.byteLength(answer.body)));
  return headers;
}

/** Whether the edge's headers, flat [name, value, ...] at `from` up to `to`, include `name`. */
function decidesHeader(headers: ReadonlyArray<string | string[]>, from: number, to: number, name: string): boolean {
  for (let index = from; index < to; index += 2) if (headers[index] === name) return true;
  return false;
}

/**
 * What createTrpcContext and the request log read of a request, as
 * Fastify's request object would have given it (id, trust-proxy-aware ip
 * and protocol, raw url and headers, the socket for client certificates).
 */
class LaneRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly socket: IncomingMessage['socket'];
  readonly ip: string;
  readonly protocol: string;

  constructor(
    readonly id: string,
    readonly raw: IncomingMessage,
    /** The query, parsed once at admission; the request context looks for credentials in it. */
    readonly searchParams: URLSearchParams,
    readonly trust: ProxyTrust,
  ) {
    this.method = raw.method ?? 'GET';
    this.url = raw.url ?? '';
    this.headers = raw.headers;
    this.socket = raw.socket;
    this.ip = clientAddressOf(raw, trust) ?? '';
    this.protocol = protocolOf(raw, trust);
  }
}

/** resolveJsonRequest's view of a lane request; a class, so the lazy signal and URL are shared methods. */
class LaneJsonRequest implements JsonRequest<LaneRequest> {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly searchParams: URLSearchParams;

  constructor(
    call: AdmittedCall,
    readonly req: LaneRequest,
    private readonly response: ServerResponse,
    readonly body: string | undefined,
  ) {
    this.method = call.method;
    this.path = call.path;
    this.searchParams = call.searchParams;
  }

  /** Aborts when the client leaves before the answer, as tRPC's adapters build it. */
  signal(): AbortSignal {
    return clientAbortSignal(this.req.raw, this.response);
  }

  url(): URL {
    return new URL(this.req.url, `${this.req.protocol}://${hostOf(this.req.raw, this.req.trust)}`);
  }
}
