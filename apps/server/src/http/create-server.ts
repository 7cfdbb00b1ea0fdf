import { readFileSync } from 'node:fs';
import type https from 'node:https';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Logger } from 'pino';
import { v4 as uuidv4 } from 'uuid';
import type { Config } from '../config.js';
import { createDependencies, type Dependencies, type DependencyOverrides } from '../dependencies.js';
import type { Seed } from '../seed/seed-schema.js';
import { applySeedUsers } from '../seed/apply-seed.js';
import { registerOAuthRoutes } from '../oauth/register-oauth-routes.js';
import { applySeedServices } from '../seed/apply-seed-services.js';
import { createMetricsEndpoint, type MetricsEndpoint } from '../metrics/metrics-endpoint.js';
import { registerCors } from './cors.js';
import { registerEdgeErrorHandler } from './edge-errors.js';
import { registerSecurityHeaders } from './security-headers.js';
import { registerTrpcRoute } from './trpc-route.js';
import { registerWellKnownRoutes } from './well-known-routes.js';

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
}

/** 1 MB: enough for any Gatehouse call, small enough that a flood of bodies cannot exhaust memory (GATEHOUSE_BODY_LIMIT_BYTES). */
export const BODY_LIMIT_BYTES = 1_048_576;

/**
 * Builds the HTTP host: Fastify with tRPC at /trpc and the well-known
 * documents, over HTTPS when the config names a certificate.
 */
export async function createGatehouseServer(config: Config, options: CreateServerOptions): Promise<GatehouseServer> {
  const deps = options.dependencies ?? (await createDependencies(config, options.logger, options.overrides));
  if (options.seed !== undefined) await applySeedUsers(options.seed, deps.users, deps.passwords);
  if (options.seed !== undefined) applySeedServices(options.seed, deps.services);

  const hostOptions = {
    loggerInstance: options.logger,
    genReqId: () => uuidv4(),
    // Clients do not choose their request id: it is what support searches the logs for.
    requestIdHeader: false as const,
    trustProxy: trustProxyOption(config.trustProxy),
    bodyLimit: config.bodyLimitBytes,
    // A batch's paths travel in one URL segment (`a,b,c`); Fastify's default 100 characters answers 414 to batches of 8 calls.
    routerOptions: { maxParamLength: 2_048 },
  };
  // Two calls because Fastify's overloads type HTTP and HTTPS instances (and pino's Logger) apart;
  // the routes are the same on both, so the rest of the server sees one FastifyInstance.
  const app = (
    config.tls === undefined
      ? Fastify(hostOptions)
      : Fastify<https.Server>({ ...hostOptions, https: tlsOptions(config.tls) })
  ) as unknown as FastifyInstance;

  // Callback hooks: an async hook costs Fastify a promise and a microtask per request, for no await.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  app.addHook('onResponse', (_request, reply, done) => {
    deps.metrics.httpResponses.inc({ status: String(reply.statusCode) });
    done();
  });
  registerEdgeErrorHandler(app);
  await registerSecurityHeaders(app);
  await registerCors(app, config);
  registerWellKnownRoutes(app, deps);
  await registerTrpcRoute(app, deps);
  await registerOAuthRoutes(app, deps, options.seed);
  const metrics = createMetricsEndpoint(config, deps.metrics, options.logger);

  return {
    app,
    deps,
    metrics,
    async listen() {
      await metrics.listen();
      const address = await app.listen({ host: config.host, port: config.port });
      return address.replace(/\/$/, '');
    },
    async close() {
      await metrics.close();
      await app.close();
      await deps.close();
    },
  };
}

/**
 * Which X-Forwarded-For hops Fastify (proxy-addr) may believe. proxy-addr
 * walks from the socket towards the client and stops at the first untrusted
 * hop, so the leftmost, client-written entry is never taken on trust. A hop
 * count trusts that many hops whatever their address: prefer a CIDR list.
 */
function trustProxyOption(trustProxy: Config['trustProxy']): NonNullable<FastifyServerOptions['trustProxy']> {
  if (trustProxy === false) return false;
  if (typeof trustProxy === 'number') {
    const hops = trustProxy;
    return (_address: string, hopIndex: number) => hopIndex < hops;
  }
  return [...trustProxy];
}

function tlsOptions(tls: NonNullable<Config['tls']>) {
  return {
    cert: readFileSync(tls.certFile),
    key: readFileSync(tls.keyFile),
    minVersion: 'TLSv1.2' as const,
    ...(tls.clientCaFile === undefined
      ? {}
      : { ca: readFileSync(tls.clientCaFile), requestCert: true, rejectUnauthorized: false }),
  };
}
