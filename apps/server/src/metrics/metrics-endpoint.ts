import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Metrics } from './create-metrics.js';

/**
 * GET /metrics on its own listener (GATEHOUSE_METRICS_HOST:PORT, loopback by
 * default). Keeping it off the API's port means the public edge never serves
 * it: only what can reach the metrics address (a scraper on the host or the
 * private network) can read it, and no token is needed.
 */
export interface MetricsEndpoint {
  /** The base URL once listening; undefined when metrics are off or not yet started. */
  readonly url: string | undefined;
  listen(): Promise<string | undefined>;
  close(): Promise<void>;
}

export function createMetricsEndpoint(config: Pick<Config, 'metrics'>, metrics: Metrics, logger: Logger): MetricsEndpoint {
  const address = config.metrics;
  let app: FastifyInstance | undefined;
  let url: string | undefined;
  return {
    get url() {
      return url;
    },
    async listen() {
      if (address === undefined) return undefined;
      // No request logging: a scraper every few seconds would drown the log.
      app = Fastify({ logger: false }) as unknown as FastifyInstance;
      app.get('/metrics', async (_request, reply) => {
        reply.header('content-type', metrics.registry.contentType).header('cache-control', 'no-store');
        return metrics.registry.metrics();
      });
      url = (await app.listen({ host: address.host, port: address.port })).replace(/\/$/, '');
      logger.info({ url: `${url}/metrics` }, 'metrics listening');
      return url;
    },
    async close() {
      await app?.close();
      url = undefined;
    },
  };
}
