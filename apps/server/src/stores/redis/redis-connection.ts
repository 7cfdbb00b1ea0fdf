import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import type { RedisNode } from '../../config.js';
import { StartupError } from '../../startup-error.js';
import type { RedisClient } from './redis-client.js';

/**
 * How long a Redis command may take before it fails. A request never waits
 * longer than this on Redis: past it, the caller's defined fallback applies
 * (the rate limiter's insurance limiter, or a 503 for state only Redis has).
 */
export const REDIS_COMMAND_TIMEOUT_MS = 250;

export interface RedisConnectionOptions {
  readonly url: string;
  /** REDIS_CLUSTER_NODES: when set, a Cluster client through these seed nodes instead of `url`. */
  readonly clusterNodes?: readonly RedisNode[] | undefined;
  readonly logger: Logger;
  readonly commandTimeoutMs?: number;
}

/**
 * One ioredis connection configured to fail fast: no offline queue (a
 * command while disconnected fails at once instead of queueing unbounded),
 * one retry per command, a command timeout, and auto-pipelining, which
 * batches concurrent commands into one round trip.
 */
export function createRedisConnection(options: RedisConnectionOptions): RedisClient {
  const commandTimeout = options.commandTimeoutMs ?? REDIS_COMMAND_TIMEOUT_MS;
  const redis: RedisClient =
    options.clusterNodes === undefined
      ? new Redis(options.url, standaloneOptions(commandTimeout))
      : new Cluster(options.clusterNodes.map((node) => ({ host: node.host, port: node.port })), clusterOptions(commandTimeout));
  let reportedDown = false;
  redis.on('error', (error: Error) => {
    // The reason, not the stack: a refused or dropped connection's trace points into ioredis, not at the cause.
    if (!reportedDown) options.logger.error({ reason: error.message }, 'redis unavailable');
    reportedDown = true;
  });
  redis.on('ready', () => {
    if (reportedDown) options.logger.info('redis available again');
    reportedDown = false;
  });
  return redis;
}

function standaloneOptions(commandTimeout: number): RedisOptions {
  return {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 1_000,
    commandTimeout,
    enableAutoPipelining: true,
    // Reconnect with a capped backoff forever: Redis coming back must heal the server by itself.
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
  };
}

/**
 * The same fail-fast rules for a cluster. A command to a node that is down
 * fails within the command timeout; while a replica is being promoted, ioredis
 * follows MOVED/CLUSTERDOWN answers (retryDelayOnFailover) and refreshes its
 * slot map, so calls recover without a restart. Reads go to masters: a
 * replica lags, and a revocation must be seen by the next call.
 */
function clusterOptions(commandTimeout: number): ClusterOptions {
  return {
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    // Auto-pipelining groups commands by the node of their first argument; for EVAL/EVALSHA that is the script,
    // not a key, so a script would join a pipeline bound for another node and the whole batch be refused.
    autoPipeliningIgnoredCommands: ['eval', 'evalsha'],
    scaleReads: 'master',
    maxRedirections: 16,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    slotsRefreshTimeout: 1_000,
    // A slot map read while a failover was still under way can keep pointing at the dead master, and a node that
    // refuses connections never answers MOVED to correct it (seen in CI: calls not back 30 s after promotion).
    // Re-reading the map every 2 s bounds that; off by default in ioredis.
    slotsRefreshInterval: 2_000,
    clusterRetryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    redisOptions: { connectTimeout: 1_000, commandTimeout, maxRetriesPerRequest: 1 },
  };
}

/**
 * A cluster is ready after more round trips than one server (slot map, a connection per master, CLUSTER
 * INFO): on a loaded host 5 s was seen to run out while every node answered.
 */
const CLUSTER_READY_TIMEOUT_MS = 15_000;

/**
 * Resolves once the connection is ready, or rejects after `timeoutMs` with a
 * StartupError naming the address and the last connection error: start-up
 * fails loudly, in one line, not later.
 */
export async function waitForRedis(redis: RedisClient, timeoutMs = redis instanceof Cluster ? CLUSTER_READY_TIMEOUT_MS : 5_000): Promise<void> {
  if (redis.status === 'ready') return;
  let lastError = 'no answer';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(
        new StartupError(
          `cannot reach ${describeTarget(redis)} (${lastError}) within ${timeoutMs / 1000} s: ` +
            (redis instanceof Cluster ? 'start the cluster, or set REDIS_CLUSTER_NODES to where it runs' : 'start Redis there, or set REDIS_URL to where it runs'),
        ),
      );
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const onError = (error: Error) => {
      lastError = error.message || (error as NodeJS.ErrnoException).code || error.name;
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
    };
    redis.on('ready', onReady);
    redis.on('error', onError);
  });
}

function describeTarget(redis: RedisClient): string {
  if (redis instanceof Cluster) return 'the Redis Cluster of REDIS_CLUSTER_NODES';
  const { host, port, tls } = redis.options;
  return `Redis at ${tls === undefined ? 'redis' : 'rediss'}://${host ?? '127.0.0.1'}:${port ?? 6379}`;
}
