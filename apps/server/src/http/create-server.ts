import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { createDependencies, type Dependencies, type DependencyOverrides } from '../dependencies.js';
import type { Seed } from '../seed/seed-schema.js';
import { applySeedUsers } from '../seed/apply-seed-users.js';
import { registerOAuthRoutes } from '../oauth/register-oauth-routes.js';
import { applySeedServices } from '../seed/apply-seed-services.js';
import { applySeedClients } from '../seed/apply-seed-clients.js';
import { createMetricsEndpoint, type MetricsEndpoint } from '../metrics/metrics-endpoint.js';
import { registerCors } from './cors.js';
import { answerClientError, answerFrameworkError, edgeErrorBody, registerEdgeErrorHandler, surfaceOf } from './edge-errors.js';
import { applyEdgeTimeouts, EDGE_TIMEOUTS, nodeServerOptions, type EdgeTimeouts } from './edge-timeouts.js';
import { createTrpcFastLane, type RequestListener, type TrpcFastLane } from './fast-trpc/trpc-fast-lane.js';
import { registerResponseHeaders } from './response-headers.js';
import { registerTrpcRoute, TRPC_ROUTE } from './trpc-route.js';
import { registerWellKnownRoutes } from './well-known-routes.js';
import { registerHealthRoutes } from './health-routes.js';
import { listenError, StartupError } from '../startup-error.js';
import { trustProxyOption } from './trust-proxy.js';

export interface GatehouseServer {
  readonly app: FastifyInstance;
  readonly deps: Dependencies;
  /** GET /metrics on its own listener; its url is known after listen(). */
  readonly metrics: MetricsEndpoint;
  /** Starts listening; resolves to the base URL (with the real port when the config said 0). */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface CreateServerOptions {
  readonly logger: Logger;
  readonly seed?: Seed | undefined;
  readonly overrides?: DependencyOverrides;
  /** Serve with these instead of building new ones (tests: two hosts over one state, e.g. fast vs stock tRPC path). */
  readonly dependencies?: Dependencies;
  /** How long a slow client may take; EDGE_TIMEOUTS unless a test needs them short. */
  readonly timeouts?: EdgeTimeouts;
}

/**
 * Builds the HTTP host: Fastify with tRPC at /trpc and the well-known
 * documents, over HTTPS when the config names a certificate.
 */
export async function createGatehouseServer(config: Config, options: CreateServerOptions): Promise<GatehouseServer> {
  const deps = options.dependencies ?? (await createDependencies(config, options.logger, options.overrides));
  if (options.seed !== undefined) await applySeedUsers(options.seed, deps.users, deps.passwords);
  if (options.seed !== undefined) applySeedServices(options.seed, deps.services);
  if (options.seed !== undefined) await applySeedClients(options.seed, deps.oauthClients);

  // GATEHOUSE_TRPC_FAST_PATH: plain JSON tRPC calls are answered before Fastify routes them (fast-trpc/trpc-fast-lane.ts).
  const lane = deps.config.trpcFastPath ? createTrpcFastLane(deps) : undefined;
  const tls = config.tls === undefined ? undefined : tlsOptions(config.tls);
  const timeouts = options.timeouts ?? EDGE_TIMEOUTS;
  const hostOptions = {
    loggerInstance: options.logger,
    genReqId: () => randomUUID(),
    // Clients do not choose their request id: it is what support searches the logs for.
    requestIdHeader: false as const,
    trustProxy: trustProxyOption(config.trustProxy),
    bodyLimit: config.bodyLimitBytes,
    // A batch's paths travel in one URL segment (`a,b,c`); Fastify's default 100 characters answers 414 to batches of 8 calls.
    routerOptions: { maxParamLength: 2_048 },
    // Fastify's own answers to these quote the URL (query included) and carry no request id.
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
    // Its 503 while closing has no request id either: the onRequest hook below answers instead.
    return503OnClosing: false,
  };
  // Two calls because Fastify's overloads type HTTP and HTTPS instances (and pino's Logger) apart;
  // the routes are the same on both, so the rest of the server sees one FastifyInstance.
  // Our own Node server (serverFactory), so the fast lane sees each request first; Fastify's handler gets the rest.
  const listenerFor = (handler: RequestListener) => (lane === undefined ? handler : lane.wrap(handler));
  const app = (
    tls === undefined
      ? Fastify({ ...hostOptions, serverFactory: (handler) => applyEdgeTimeouts(http.createServer(nodeServerOptions(timeouts), listenerFor(handler)), timeouts) })
      : Fastify<https.Server>({
          ...hostOptions,
          // `https` still tells Fastify to print https:// addresses; the server itself comes from serverFactory.
          https: tls,
          serverFactory: (handler) =>
            applyEdgeTimeouts(https.createServer({ ...tls, ...nodeServerOptions(timeouts), handshakeTimeout: timeouts.headersMs }, listenerFor(handler)), timeouts),
        })
  ) as unknown as FastifyInstance;

  // Callback hooks: an async hook costs Fastify a promise and a microtask per request, for no await.
  let closing = false;
  app.addHook('onRequest', function refuseWhileClosing(request, reply, done) {
    if (!closing) return done();
    // A request on a kept-alive connection while the server drains: 503, and this connection closes.
    const { status, body } = edgeErrorBody({ statusCode: 503 }, request.id, surfaceOf(request.routeOptions.url, request.url));
    void reply.status(status).header('connection', 'close').send(body);
  });
  app.addHook('onResponse', function countResponse(_request, reply, done) {
    deps.metrics.httpResponses.inc({ status: String(reply.statusCode) });
    done();
  });
  registerEdgeErrorHandler(app, TRPC_ROUTE);
  // After the error handler's onSend (which rewrites tRPC error bodies), so the headers are decided last.
  await registerResponseHeaders(app, config);
  await registerCors(app, config);
  registerWellKnownRoutes(app, deps);
  registerHealthRoutes(app, deps);
  await registerTrpcRoute(app, deps);
  await registerOAuthRoutes(app, deps, options.seed);
  const metrics = createMetricsEndpoint(config, deps.metrics, options.logger);

  return {
    app,
    deps,
    metrics,
    async listen() {
      try {
        await metrics.listen();
      } catch (error) {
        const where = config.metrics === undefined ? '' : `${config.metrics.host}:${config.metrics.port}`;
        const named = listenError('GATEHOUSE_METRICS_PORT', where, error);
        // The metrics listener is optional: say how to do without it.
        throw named instanceof StartupError ? new StartupError(`${named.message}, or off for no metrics listener`, { cause: error }) : named;
      }
      const address = await app.listen({ host: config.host, port: config.port }).catch(async (error: unknown) => {
        await metrics.close();
        throw listenError('GATEHOUSE_PORT', `${config.host}:${config.port}`, error);
      });
      return address.replace(/\/$/, '');
    },
    async close() {
      // Requests that arrive while it closes are answered 503 (the onRequest hook); the lane hands them all to Fastify now.
      closing = true;
      lane?.stop();
      await metrics.close();
      await app.close();
      await deps.close();
    },
  };
}

function tlsOptions(tls: NonNullable<Config['tls']>) {
  return {
    cert: readTlsFile('GATEHOUSE_TLS_CERT', tls.certFile),
    key: readTlsFile('GATEHOUSE_TLS_KEY', tls.keyFile),
    minVersion: 'TLSv1.2' as const,
    ...(tls.clientCaFile === undefined
      ? {}
      : { ca: readTlsFile('GATEHOUSE_TLS_CLIENT_CA', tls.clientCaFile), requestCert: true, rejectUnauthorized: false }),
  };
}

/** The resolved path in the error: a relative one was resolved against the caller's folder (config.ts). */
function readTlsFile(variable: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new StartupError(`${variable}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})`, { cause: error });
  }
}
