import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { boundedMemo } from '../headers/bounded-memo.js';
import { CORS_RESPONSE_HEADER_NAMES, corsResponseHeaders } from './cors.js';
import { API_SECURITY_HEADERS, HSTS_HEADER, PAGE_SECURITY_HEADER_OPTIONS, PAGE_SECURITY_HEADERS } from './security-headers.js';

/** What decides a response's edge headers: all of it known before the answer is written. */
export interface ResponseFacts {
  readonly requestId: string;
  /** The scheme the client used, after GATEHOUSE_TRUST_PROXY (only a trusted proxy's X-Forwarded-Proto counts). */
  readonly protocol: string;
  readonly method: string;
  readonly origin: string | undefined;
  /** The route the router chose (`/trpc/:path`), undefined when none serves the request. */
  readonly route: string | undefined;
  /** The route sets its own policy through @fastify/helmet's route options (the OAuth form), or opts out. */
  readonly routeSecurityPolicy: boolean;
}

/** Looks up a header the answer already carries (its own Cache-Control, tRPC's Vary). */
export type OwnHeader = (name: string) => string | number | readonly string[] | undefined;

/**
 * Every header the edge adds to an answer, decided here for both tRPC
 * paths and every other route, as [name, value] pairs that replace the
 * answer's own of the same name:
 *
 * - X-Request-Id, which support searches the logs for;
 * - the security headers (helmet's, recorded once; security-headers.ts):
 *   the API policy on a JSON or plain-text answer, the page policy on any other, unless
 *   the route carries its own helmet options; a security header the answer already
 *   carries is its page's own policy (the authorize page's CSP allows its
 *   stylesheet by hash and the client's origin as a form action) and is
 *   kept, never widened by the global one; HSTS only over HTTPS, from the trusted
 *   protocol, so plain-HTTP development never pins it on localhost;
 * - CORS for a listed origin on a request that is not a preflight
 *   (preflights are @fastify/cors's, cors.ts);
 * - Vary with Origin added to the answer's own (the CORS answer depends on
 *   it, whether the origin was allowed or not);
 * - Cache-Control: no-store unless the answer chose a policy (JWKS): answers
 *   carry tokens and personal data, which must not sit in shared caches.
 *
 * Deciding twice gives the same headers (Vary keeps one Origin), so a path
 * that sets them before Fastify's hook also runs loses nothing.
 */
export function edgeResponseHeaders(facts: ResponseFacts, own: OwnHeader, allowedOrigins: ReadonlySet<string>): Array<readonly [string, string]> {
  const flat: string[] = [];
  appendEdgeResponseHeaders(facts, own, allowedOrigins, flat);
  const headers: Array<readonly [string, string]> = [];
  for (let index = 0; index < flat.length; index += 2) headers.push([flat[index] as string, flat[index + 1] as string]);
  return headers;
}

/**
 * The same headers as edgeResponseHeaders, decided by the same code,
 * appended to `into` as a flat [name, value, ...] list (what writeHead
 * takes): the fast lane's form, built with index loops over plain arrays,
 * without a pair allocated per header.
 */
export function appendEdgeResponseHeaders(facts: ResponseFacts, own: OwnHeader, allowedOrigins: ReadonlySet<string>, into: Array<string | string[]>): void {
  into.push('x-request-id', facts.requestId);
  if (!facts.routeSecurityPolicy) {
    const policy = isApiAnswer(own('content-type')) ? API_POLICY : PAGE_POLICY;
    for (let index = 0; index < policy.names.length; index += 1) {
      const name = policy.names[index] as string;
      if (own(name) === undefined) into.push(name, policy.values[index] as string);
    }
  }
  if (facts.protocol === 'https') into.push(HSTS_HEADER[0], HSTS_HEADER[1]);
  if (facts.method !== 'OPTIONS' && facts.route !== undefined) {
    const cors = corsResponseHeaders(facts.route, facts.origin, allowedOrigins);
    for (let index = 0; index < cors.length; index += 1) {
      const header = cors[index] as readonly [string, string];
      into.push(header[0], header[1]);
    }
  }
  into.push('vary', varyWithOrigin(own('vary')));
  if (own('cache-control') === undefined) into.push('cache-control', 'no-store');
}

/** A policy's headers as two plain arrays, read by index on every answer. */
interface SecurityPolicy {
  readonly names: readonly string[];
  readonly values: readonly string[];
}

const policyOf = (headers: ReadonlyArray<readonly [string, string]>): SecurityPolicy => ({ names: headers.map(([name]) => name), values: headers.map(([, value]) => value) });
const PAGE_POLICY = policyOf(PAGE_SECURITY_HEADERS);
const API_POLICY = policyOf(API_SECURITY_HEADERS);

/**
 * Whether an answer is one the API policy covers: JSON (`application/json`, `application/…+json`) or plain
 * text, which a browser never renders as a document with nosniff. Anything else, an answer without a
 * Content-Type included, gets the page policy: a type this list does not know fails closed to more headers.
 * Media types are case-insensitive (RFC 9110 section 8.3.1); the answer is remembered per value
 * (boundedMemo), since nearly every answer carries one of the server's few Content-Type strings.
 */
function isApiAnswer(contentType: string | number | readonly string[] | undefined): boolean {
  return typeof contentType === 'string' && isApiContentType(contentType);
}

/** Content-Type and Vary values are the server's own, never a client's, but their memos are bounded all the same. */
const MAX_REMEMBERED_VALUES = 64;

const isApiContentType = boundedMemo((contentType) => {
  const type = (contentType.split(';', 1)[0] ?? '').trim().toLowerCase();
  return type === 'application/json' || type === 'text/plain' || (type.startsWith('application/') && type.endsWith('+json'));
}, MAX_REMEMBERED_VALUES);

/**
 * The headers edgeResponseHeaders may decide over an answer's own of the
 * same name; the others (the security headers, Cache-Control) it adds only
 * when the answer has none. A path merging the two lists looks for a clash
 * only under these names.
 */
export const EDGE_REPLACED_HEADERS: ReadonlySet<string> = new Set(['x-request-id', HSTS_HEADER[0], ...CORS_RESPONSE_HEADER_NAMES, 'vary']);

/** The answer's Vary with Origin in it once (RFC 9110 section 12.5.5: a comma-separated list, names case-insensitive). */
function varyWithOrigin(current: string | number | readonly string[] | undefined): string {
  if (current === undefined) return 'Origin';
  // Nearly every answer carries one of a few Vary values of the server's own (tRPC's `trpc-accept, accept`):
  // each is split and searched once, not on every response.
  return addOrigin(typeof current === 'object' ? current.join(', ') : String(current));
}

const addOrigin = boundedMemo((value) => {
  if (value.trim() === '') return 'Origin';
  const names = value.split(',').map((name) => name.trim().toLowerCase());
  if (names.includes('origin') || names.includes('*')) return value;
  return `${value}, Origin`;
}, MAX_REMEMBERED_VALUES);

/** The facts of a Fastify request, as the router and trust-proxy rules give them. */
export function responseFactsOf(request: FastifyRequest): ResponseFacts {
  return {
    requestId: request.id,
    protocol: request.protocol,
    method: request.method,
    origin: request.headers.origin,
    route: request.routeOptions.url,
    // @fastify/helmet serves routes that carry helmet options (or helmet: false) itself.
    routeSecurityPolicy: (request.routeOptions.config as { helmet?: unknown } | undefined)?.helmet !== undefined,
  };
}

/** Sets the edge headers on a Fastify reply (for answers written before any hook ran, such as routing failures). */
export function applyEdgeResponseHeaders(request: FastifyRequest, reply: FastifyReply, allowedOrigins: ReadonlySet<string>): void {
  const headers: Array<string | string[]> = [];
  appendEdgeResponseHeaders(responseFactsOf(request), (name) => reply.getHeader(name), allowedOrigins, headers);
  for (let index = 0; index < headers.length; index += 2) reply.header(headers[index] as string, headers[index + 1]);
}

/**
 * The one Fastify hook that writes edge headers: onSend, so it sees the
 * answer's own headers whichever route or handler wrote it. tRPC's stock
 * adapter sends a Fetch Response, whose status and headers Fastify would
 * copy only after onSend; they are copied here first, so this hook has the
 * last word on every header as it has on the fast lane. Routes with helmet
 * options are served by @fastify/helmet (registered non-global), which
 * still applies their own policy.
 */
export async function registerResponseHeaders(app: FastifyInstance, config: Pick<Config, 'corsOrigins'>): Promise<void> {
  const allowedOrigins = new Set(config.corsOrigins);
  await app.register(fastifyHelmet, { ...PAGE_SECURITY_HEADER_OPTIONS, global: false });
  // A callback hook: an async one costs a promise and a microtask per response, for no await.
  app.addHook('onSend', function decideResponseHeaders(request, reply, payload, done) {
    let body = payload;
    if (payload instanceof Response) {
      reply.code(payload.status);
      // Headers yields each Set-Cookie apart; reply.header appends Set-Cookie and replaces the rest, as Fastify does.
      payload.headers.forEach((value, name) => void reply.header(name, value));
      body = payload.body;
    }
    applyEdgeResponseHeaders(request, reply, allowedOrigins);
    done(null, body);
  });
}
