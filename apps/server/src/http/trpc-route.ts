import { fastifyTRPCPlugin, type CreateFastifyContextOptions } from '@trpc/server/adapters/fastify';
import type { TRPCError } from '@trpc/server';
import type { FastifyInstance } from 'fastify';
import { AuthFailure } from '../auth/auth-failure.js';
import { createAuthenticator, type Authenticate } from '../auth/authenticate.js';
import type { Principal } from '../auth/principal.js';
import { createResponseHeaders, type RequestContext } from '../context.js';
import type { Dependencies } from '../dependencies.js';
import { ServiceOverloaded } from '../errors/service-overloaded.js';
import { appRouter, type AppRouter } from '../routers/app-router.js';
import { verifiedClientCertificate } from './client-certificate.js';
import { normaliseIp } from './client-ip.js';
import { clearedRefreshCookie } from './refresh-cookie.js';
import { fastTrpcPlugin } from './fast-trpc/fast-trpc-plugin.js';
import { findQueryCredential } from './query-credentials.js';
import { wwwAuthenticateFor } from './www-authenticate.js';

/** The route tRPC is served on (the plugin's `/:path` under the /trpc prefix), as `request.routeOptions.url` names it. */
export const TRPC_ROUTE = '/trpc/:path';

/** tRPC's own cap on calls per batch (SPEC: a batch over 10 calls is refused before any runs). */
export const MAX_BATCH_SIZE = 10;

export function createRequestContext(
  deps: Dependencies,
  request: {
    id: string;
    ip: string;
    url: string;
    headers: RequestContext['headers'];
    socket?: unknown;
    /** The URL's query when the caller already parsed it (the fast lane), so it is not parsed twice. */
    searchParams?: URLSearchParams;
  },
  calls: readonly string[] = [],
): RequestContext {
  const authenticate = authenticatorFor(deps);
  let principal: Promise<Principal | undefined> | undefined;
  const responseHeaders = createResponseHeaders();
  // Every answer to a logout, refusals included, deletes the refresh cookie: a browser left signed in is worse.
  if (calls.includes('auth.logout')) responseHeaders.append('set-cookie', clearedRefreshCookie(deps.config));
  const ctx: RequestContext = {
    deps,
    requestId: request.id,
    ip: normaliseIp(request.ip),
    headers: request.headers,
    credentialInQuery: findQueryCredential(request.searchParams ?? request.url),
    authenticate() {
      principal ??= authenticate(request.headers, verifiedClientCertificate(request.socket), ctx).catch((error: unknown) => {
        throw error instanceof AuthFailure ? error.toTRPCError() : error;
      });
      return principal;
    },
    responseHeaders,
    rateLimit: deps.rateLimits.forRequest(calls),
  };
  return ctx;
}

// One authenticator per server, not one per request: it holds nothing request-specific.
const authenticators = new WeakMap<Dependencies, Authenticate>();
function authenticatorFor(deps: Dependencies): Authenticate {
  let authenticate = authenticators.get(deps);
  if (authenticate === undefined) {
    authenticate = createAuthenticator(deps);
    authenticators.set(deps, authenticate);
  }
  return authenticate;
}

/** Headers derived from a response's results: auth challenges, rate limits, no caching. */
export function responseHeadersFor(ctx: RequestContext | undefined, errors: readonly TRPCError[]): Record<string, string | string[]> {
  // Every tRPC answer may carry tokens or personal data.
  const headers: Record<string, string | string[]> = { 'cache-control': 'no-store' };
  // tRPC sends its own Vary; CORS answers differ per Origin, so shared caches must key on it too.
  headers['vary'] = 'Origin';
  if (ctx !== undefined) {
    for (const [name, value] of ctx.responseHeaders.entries()) headers[name] = typeof value === 'string' ? value : [...value];
  }
  // Most answers are successes: nothing to look for.
  if (errors.length === 0) return headers;
  const failure = errors.map((error) => error.cause).find((cause): cause is AuthFailure => cause instanceof AuthFailure);
  const challenge = failure === undefined ? undefined : wwwAuthenticateFor(failure.data);
  if (challenge !== undefined) headers['www-authenticate'] = challenge;
  const overloaded = errors.map((error) => error.cause).find((cause): cause is ServiceOverloaded => cause instanceof ServiceOverloaded);
  // RFC 9110 section 10.2.3: a 503 says when to come back, in whole seconds.
  if (overloaded !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(overloaded.retryAfterMs / 1000)));
  return headers;
}

/** Logs what tRPC turned into a 500: the cause stays in the log, the client sees only the code. */
export function logProcedureFailure(deps: Dependencies) {
  return function onError({ error, path, ctx }: { error: TRPCError; path: string | undefined; ctx?: RequestContext | undefined }) {
    if (error.code === 'INTERNAL_SERVER_ERROR') {
      deps.logger.error({ err: error.cause ?? error, path, requestId: ctx?.requestId }, 'procedure failed');
    }
  };
}

/** Mounts the API at /trpc through tRPC's Fastify adapter. */
export async function registerTrpcRoute(app: FastifyInstance, deps: Dependencies): Promise<void> {
  // GATEHOUSE_TRPC_FAST_PATH: the same procedures, served without tRPC's Fetch conversions (http/fast-trpc).
  await app.register(deps.config.trpcFastPath ? fastTrpcPlugin<AppRouter> : fastifyTRPCPlugin<AppRouter>, {
    prefix: '/trpc',
    trpcOptions: {
      router: appRouter,
      maxBatchSize: MAX_BATCH_SIZE,
      createContext: ({ req, info }: CreateFastifyContextOptions) =>
        createRequestContext(deps, req, info.calls.map((call) => call.path)),
      responseMeta: ({ ctx, errors }) => ({ headers: responseHeadersFor(ctx, errors) }),
      onError: logProcedureFailure(deps),
    },
  });
}
