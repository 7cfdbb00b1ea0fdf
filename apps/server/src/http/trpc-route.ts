import { fastifyTRPCPlugin, type CreateFastifyContextOptions } from '@trpc/server/adapters/fastify';
import type { TRPCError } from '@trpc/server';
import type { FastifyInstance } from 'fastify';
import { AuthFailureError } from '../errors/auth-failure-error.js';
import { createRequestContext, type RequestContext, type RequestFacts } from '../context.js';
import type { Dependencies } from '../dependencies.js';
import { ServiceOverloadedError } from '../errors/service-overloaded-error.js';
import { appRouter, type AppRouter } from '../routers/app-router.js';
import { verifiedClientCertificate } from '../auth/client-certificate.js';
import { normaliseIp } from '../client-ip.js';
import { clearedRefreshCookie } from '../tokens/refresh-cookie.js';
import { answersWithDpop, dpopChallengeFor, wwwAuthenticateFor } from './www-authenticate.js';

/** The route tRPC is served on (the plugin's `/:path` under the /trpc prefix), as `request.routeOptions.url` names it. */
export const TRPC_ROUTE = '/trpc/:path';

/** tRPC's own cap on calls per batch (docs/wire-protocol.md: a batch over 10 calls is refused before any runs). */
export const MAX_BATCH_SIZE = 10;

/** What the HTTP layer knows of a request, whichever tRPC path serves it (Fastify's request, or the lane's). */
export interface TrpcHttpRequest {
  readonly id: string;
  readonly method: string;
  /** The client's address after trust-proxy, as Fastify's request.ip gives it. */
  readonly ip: string;
  readonly url: string;
  readonly headers: RequestFacts['headers'];
  readonly socket?: unknown;
  readonly searchParams?: URLSearchParams;
}

/**
 * The tRPC createContext of both paths: the HTTP layer's judgement of the
 * request (normalised address, verified client certificate) handed to
 * createRequestContext, which owns the rest. Every answer to a logout,
 * refusals included, deletes the refresh cookie: a browser left signed in is worse.
 */
export function createTrpcContext(deps: Dependencies, request: TrpcHttpRequest, calls: readonly string[]): RequestContext {
  const ctx = createRequestContext(
    deps,
    {
      id: request.id,
      method: request.method,
      ip: normaliseIp(request.ip),
      url: request.url,
      headers: request.headers,
      searchParams: request.searchParams,
      certificate: verifiedClientCertificate(request.socket),
    },
    calls,
  );
  if (calls.includes('auth.logout')) ctx.responseHeaders.append('set-cookie', clearedRefreshCookie(deps.config));
  return ctx;
}

/**
 * Headers derived from a response's results: what the calls set (cookies,
 * rate limits), auth challenges and when to come back. The edge headers
 * (request id, security, CORS, Vary, no-store) are edge-response-headers.ts's.
 */
export function responseHeadersFor(ctx: RequestContext | undefined, errors: readonly TRPCError[]): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  if (ctx !== undefined) {
    for (const [name, value] of ctx.responseHeaders.entries()) headers[name] = typeof value === 'string' ? value : [...value];
  }
  // Most answers are successes: nothing to look for.
  if (errors.length === 0) return headers;
  const failure = errors.map((error) => error.cause).find((cause): cause is AuthFailureError => cause instanceof AuthFailureError);
  const challenge = failure === undefined ? undefined : challengeFor(ctx, failure);
  if (challenge !== undefined) headers['www-authenticate'] = challenge;
  // RFC 9449 section 9: the nonce the client must sign its next proof with.
  if (failure?.data.detail === 'use_dpop_nonce' && ctx !== undefined) headers['dpop-nonce'] = ctx.deps.dpop.nonces.current();
  const overloaded = errors.map((error) => error.cause).find((cause): cause is ServiceOverloadedError => cause instanceof ServiceOverloadedError);
  // RFC 9110 section 10.2.3: a 503 says when to come back, in whole seconds.
  if (overloaded !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(overloaded.retryAfterMs / 1000)));
  return headers;
}

/** RFC 6750's Bearer challenge, or RFC 9449's DPoP challenge for a call made with DPoP or refused about it. */
function challengeFor(ctx: RequestContext | undefined, failure: AuthFailureError): string | undefined {
  if (ctx !== undefined && failure.status === 'UNAUTHORIZED' && answersWithDpop(failure.data, ctx.headers.authorization)) {
    return dpopChallengeFor(failure.data, ctx.deps.dpop.algorithms);
  }
  return wwwAuthenticateFor(failure.data);
}

/** Logs what tRPC turned into a 500: the cause stays in the log, the client sees only the code. */
export function logProcedureFailure(deps: Dependencies) {
  return function onError({ error, path, ctx }: { error: TRPCError; path: string | undefined; ctx?: RequestContext | undefined }) {
    if (error.code === 'INTERNAL_SERVER_ERROR') {
      deps.logger.error({ err: error.cause ?? error, path, requestId: ctx?.requestId }, 'procedure failed');
    }
  };
}

/**
 * Mounts the API at /trpc through tRPC's own Fastify adapter: everything the
 * fast lane (fast-trpc/trpc-fast-lane.ts) does not take, and everything when
 * GATEHOUSE_TRPC_FAST_PATH is false.
 */
export async function registerTrpcRoute(app: FastifyInstance, deps: Dependencies): Promise<void> {
  await app.register(fastifyTRPCPlugin<AppRouter>, {
    prefix: '/trpc',
    trpcOptions: {
      router: appRouter,
      maxBatchSize: MAX_BATCH_SIZE,
      createContext: ({ req, info }: CreateFastifyContextOptions) =>
        createTrpcContext(deps, req, info.calls.map((call) => call.path)),
      responseMeta: ({ ctx, errors }) => ({ headers: responseHeadersFor(ctx, errors) }),
      onError: logProcedureFailure(deps),
    },
  });
}
