import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { v4 as uuidv4 } from 'uuid';
import type { Dependencies } from '../../dependencies.js';
import { appRouter, type AppRouter } from '../../routers/app-router.js';
import { corsResponseHeaders } from '../cors.js';
import { edgeErrorBody } from '../edge-errors.js';
import { HSTS_HEADER, SECURITY_HEADERS } from '../security-headers.js';
import { createRequestContext, logProcedureFailure, MAX_BATCH_SIZE, responseHeadersFor } from '../trpc-route.js';
import { clientAddressOf, hostOf, protocolOf, proxyTrustFor, type ProxyTrust } from '../trust-proxy.js';
import { isPlainJsonRequest } from './is-plain-json-request.js';
import { resolveJsonRequest, type JsonRequest, type JsonResponse, type ResolveJsonOptions } from './resolve-json-request.js';

export type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

export interface TrpcFastLane {
  /** Serves the calls it can and hands every other request to `next` (Fastify's own handler). */
  wrap(next: RequestListener): RequestListener;
  /** From now on every request goes to Fastify, which answers 503 while the server closes. */
  stop(): void;
}

/**
 * `/trpc/<procedure>` or a batch `/trpc/a,b,c`, in the characters procedure
 * names use. Anything else (percent-encoding, a slash, an over-long batch)
 * is Fastify's to route and answer, as it always was.
 */
const LANE_PATH = /^\/trpc\/([\w.,~-]{1,2048})(?:\?|$)/;

/**
 * The tRPC fast lane: plain JSON calls answered straight from Node's request
 * listener, before Fastify routes them. Fastify's per-request work (its
 * request and reply objects, routing, hooks, a child logger) was the largest
 * part left of a protected call's cost; this lane does only what those hooks
 * did for a tRPC call, from the same sources, in one pass:
 *
 * - a request id (uuid v4) in X-Request-Id;
 * - SECURITY_HEADERS (helmet's policy, recorded once) and HSTS over HTTPS,
 *   HTTPS and the client's address read with Fastify's trust-proxy rules;
 * - CORS for listed origins (cors.ts), as @fastify/cors answers them;
 * - the body limit and content-length checks of Fastify's body reader;
 * - the HTTP response counter, and Fastify's two request log lines at info;
 * - the call itself through resolveJsonRequest, the same code the Fastify
 *   route (fast-trpc-plugin.ts) runs: procedures, auth, rate limits and
 *   validation are the procedures' own.
 *
 * It takes only what it can answer exactly like the Fastify route: GET and
 * POST with a JSON body of a declared length, no streaming, no method
 * override, paths without escapes. Everything else, and everything while
 * the server closes, goes to Fastify unchanged. The differential test
 * (test/fast-trpc-conformance.test.ts) holds the two to the same answers.
 */
export function createTrpcFastLane(deps: Dependencies): TrpcFastLane {
  const trust = proxyTrustFor(deps.config.trustProxy);
  const allowedOrigins = new Set(deps.config.corsOrigins);
  const bodyLimit = deps.config.bodyLimitBytes;
  const onError = logProcedureFailure(deps);
  const options: ResolveJsonOptions<AppRouter, LaneRequest> = {
    router: appRouter,
    maxBatchSize: MAX_BATCH_SIZE,
    createContext: async (info, request) => createRequestContext(deps, request, info.calls.map((call) => call.path)),
    responseMeta: ({ ctx, errors }) => ({ headers: responseHeadersFor(ctx, errors) }),
    onError: ({ error, path, ctx }) => onError({ error, path, ctx }),
  };
  let open = true;

  async function serve(raw: IncomingMessage, response: ServerResponse, path: string, next: RequestListener): Promise<void> {
    const started = performance.now();
    const request = new LaneRequest(uuidv4(), raw, trust);
    const log = deps.logger.isLevelEnabled('info') ? deps.logger.child({ reqId: request.id }) : undefined;
    log?.info({ req: request }, 'incoming request');
    let answer: JsonResponse;
    try {
      const body = raw.method === 'POST' ? await readBody(raw, bodyLimit) : undefined;
      if (typeof body === 'number') {
        answer = edgeAnswer(body, request.id, request.url);
      } else {
        const resolved = await resolveJsonRequest(new LaneJsonRequest(raw.method as 'GET' | 'POST', path, request, response, body), options);
        // Only subscriptions come back unanswered, and only as GETs (nothing read yet): Fastify's adapter streams them.
        if (resolved === undefined) return next(raw, response);
        answer = resolved;
      }
    } catch (cause) {
      deps.logger.error({ err: cause, requestId: request.id }, 'request failed');
      answer = edgeAnswer(500, request.id, request.url);
    }
    const headers = responseHeaders(request, answer, allowedOrigins);
    headers['content-length'] = String(Buffer.byteLength(answer.body));
    try {
      response.writeHead(answer.status, headers);
      response.end(answer.body);
    } catch (cause) {
      // A header value Node refuses to write (it validates each): a 500 the client can still quote.
      deps.logger.error({ err: cause, requestId: request.id }, 'request failed');
      if (response.headersSent) return void response.destroy();
      answer = edgeAnswer(500, request.id, request.url);
      response.writeHead(answer.status, responseHeaders(request, answer, allowedOrigins));
      response.end(answer.body);
    }
    deps.metrics.httpResponses.inc({ status: String(answer.status) });
    log?.info({ res: { statusCode: answer.status }, responseTime: performance.now() - started }, 'request completed');
  }

  return {
    wrap(next) {
      return function trpcFastLane(raw, response) {
        const path = open ? lanePath(raw, bodyLimit) : undefined;
        if (path === undefined) return next(raw, response);
        serve(raw, response, path, next).catch((error: unknown) => {
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

/** The procedure path(s) of a request the lane can answer exactly as the Fastify route would, else undefined. */
function lanePath(raw: IncomingMessage, bodyLimit: number): string | undefined {
  const method = raw.method;
  if (method !== 'GET' && method !== 'POST') return undefined;
  const match = LANE_PATH.exec(raw.url ?? '');
  if (match === null) return undefined;
  const headers = raw.headers;
  if (headers['transfer-encoding'] !== undefined) return undefined;
  const length = headers['content-length'];
  if (method === 'GET') {
    // Fastify does not read a GET's body; neither does the lane, so it takes only GETs without one.
    if (length !== undefined && length !== '0') return undefined;
  } else {
    // Fastify's JSON parser takes these spellings for certain; any other is its to judge (415 or not).
    const contentType = headers['content-type'];
    if (contentType !== 'application/json' && !contentType?.startsWith('application/json;')) return undefined;
    // A declared length within the limit: over it, or undeclared, Fastify answers (413 and its other checks).
    if (length === undefined || !/^\d{1,10}$/.test(length) || Number(length) > bodyLimit) return undefined;
  }
  const url = raw.url ?? '';
  const queryStart = url.indexOf('?');
  if (!isPlainJsonRequest(method, headers, new URLSearchParams(queryStart === -1 ? '' : url.slice(queryStart + 1)))) return undefined;
  return match[1];
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
    raw.once('end', () => {
      if (received !== declared) resolve(400);
      else resolve(chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks, received).toString('utf8'));
    });
    raw.once('error', () => resolve(400));
  });
}

function edgeAnswer(status: number, requestId: string, url: string): JsonResponse {
  const { body } = edgeErrorBody({ statusCode: status, message: '' }, requestId, url);
  return { status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(body) };
}

/**
 * Every header the Fastify route's hooks would have sent, in their order
 * (later wins, as Fastify's reply.header does): request id, security
 * headers, CORS, the answer's own, then HSTS and no-store as onSend adds them.
 */
function responseHeaders(request: LaneRequest, answer: JsonResponse, allowedOrigins: ReadonlySet<string>): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = { 'x-request-id': request.id };
  for (const [name, value] of SECURITY_HEADERS) headers[name] = value;
  const cors = corsResponseHeaders(request.url, request.headers.origin, allowedOrigins);
  for (const [name, value] of cors) headers[name] = value;
  for (const name in answer.headers) headers[name] = answer.headers[name] as string | string[];
  if (request.protocol === 'https') headers[HSTS_HEADER[0]] = HSTS_HEADER[1];
  headers['cache-control'] ??= 'no-store';
  return headers;
}

/**
 * What createRequestContext and the request log read of a request, as
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
  readonly searchParams: URLSearchParams;

  constructor(
    readonly method: 'GET' | 'POST',
    readonly path: string,
    readonly req: LaneRequest,
    private readonly response: ServerResponse,
    readonly body: string | undefined,
  ) {
    const queryStart = req.url.indexOf('?');
    this.searchParams = new URLSearchParams(queryStart === -1 ? '' : req.url.slice(queryStart + 1));
  }

  /** Aborts when the client leaves before the answer, as tRPC's adapters build it. */
  signal(): AbortSignal {
    const controller = new AbortController();
    const response = this.response;
    response.once('close', () => {
      if (!response.writableEnded) controller.abort();
    });
    this.req.raw.once('aborted', () => controller.abort());
    return controller.signal;
  }

  url(): URL {
    return new URL(this.req.url, `${this.req.protocol}://${hostOf(this.req.raw, this.req.trust)}`);
  }
}
